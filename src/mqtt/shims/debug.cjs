// `debug` for mqtt-packet in the Worker: its trace calls cost a format each and print nothing we
// want, so every logger is a no-op (wrangler.toml [alias] and tsdown point `debug` here).
"use strict";

function noop() {}
noop.enabled = false;
noop.extend = () => noop;

module.exports = function debug() {
	return noop;
};
