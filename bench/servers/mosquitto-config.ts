/**
 * Bench (i)'s mosquitto config (servers/mosquitto.ts starts the broker with it), pure. Two things
 * Debian 12's 2.0.11 needs that its manual does not say: with only a WebSocket listener it binds
 * and then exits ("Unable to start any listening sockets"), so a plain MQTT listener on loopback
 * stands beside it; and its WebSocket listener ignores the bind address (listening on every
 * interface) unless `socket_domain ipv4` is given. No persistence, and no limit on queued or
 * in-flight messages, as the rooms' throughput servers run with their limits raised.
 */
export function mosquittoConfig(host: string, wsPort: number, tcpPort: number): string {
	return [
		`listener ${wsPort} ${host}`,
		"protocol websockets",
		"socket_domain ipv4",
		`listener ${tcpPort} ${host}`,
		"socket_domain ipv4",
		"allow_anonymous true",
		"persistence false",
		"max_queued_messages 0",
		"max_inflight_messages 0",
		"set_tcp_nodelay true",
		"log_dest stderr",
		"log_type error",
		"",
	].join("\n");
}
