/**
 * (1.4) The npm `standardwebhooks` library, as a backend would set it up for a room's
 * `WEBHOOK_SECRET`: a `whsec_` secret as it is, any other as its UTF-8 bytes ("raw"). Tests
 * verify the rooms' webhooks with it, so that the signature is checked by code that is not ours.
 */
import { Webhook } from "standardwebhooks";

export function standardWebhook(secret: string): Webhook {
	return secret.startsWith("whsec_")
		? new Webhook(secret)
		: new Webhook(new TextEncoder().encode(secret), { format: "raw" });
}
