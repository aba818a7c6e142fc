/** The user part of a SIP URI or name-addr (`"A" <sip:+3491...@host>` → `+3491...`), or undefined. */
export function userPart(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  const m = /^(?:sips?|tel):([^@;>?]+)/.exec(addrSpec(uri));
  return m ? decodeURIComponent(m[1]!) : undefined;
}

/** The URI inside a name-addr (`"Ana" <sip:ana@pbx>;tag=1` → `sip:ana@pbx`). */
export function addrSpec(header: string): string {
  const m = /<([^>]+)>/.exec(header);
  return (m ? m[1]! : header.split(';')[0]!).trim();
}

/** Refer-To may carry ?Replaces=… (attended transfer); split it off. */
export function parseReferTo(header: string): { uri: string; replaces: string | undefined } {
  const spec = addrSpec(header);
  const [uri, query] = spec.split('?');
  const replaces = query
    ?.split('&')
    .map((kv) => kv.split('='))
    .find(([k]) => k?.toLowerCase() === 'replaces')?.[1];
  return { uri: uri!, replaces: replaces ? decodeURIComponent(replaces) : undefined };
}

/** Normalise a dialed number to the directory's E.164 form where it plainly is one. */
export function normaliseNumber(dialed: string): string {
  const d = dialed.replace(/[\s().-]/g, '');
  if (/^00\d{6,}$/.test(d)) return `+${d.slice(2)}`;
  return d;
}
