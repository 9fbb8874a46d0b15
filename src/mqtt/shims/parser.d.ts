/**
 * mqtt-packet's parser module on its own: importing it rather than the package leaves out the
 * generator (writeToStream, process-nextick-args), which the server does not use.
 */
declare module "mqtt-packet/parser.js" {
	import type { Parser } from "mqtt-packet";

	const ParserClass: { parser(settings?: object): Parser };
	export default ParserClass;
}
