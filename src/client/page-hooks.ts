/**
 * The page's own signals about the link: a tab coming back to the foreground (its timers were
 * throttled meanwhile) and the browser coming back online. Nothing happens outside a browser.
 */

export interface PageSignals {
	visible: () => void;
	online: () => void;
}

/** Starts listening; the returned function stops. Undefined where there is no page. */
export function watchPage(signals: PageSignals): (() => void) | undefined {
	const page = globalThis as {
		addEventListener?: typeof addEventListener;
		removeEventListener?: typeof removeEventListener;
	};
	const doc = (globalThis as { document?: Document }).document;
	if (!page.addEventListener || !page.removeEventListener || !doc) return undefined;
	const onVisibility = () => {
		if (doc.visibilityState === "visible") signals.visible();
	};
	const onOnline = () => signals.online();
	doc.addEventListener("visibilitychange", onVisibility);
	page.addEventListener("online", onOnline);
	return () => {
		doc.removeEventListener("visibilitychange", onVisibility);
		page.removeEventListener?.("online", onOnline);
	};
}
