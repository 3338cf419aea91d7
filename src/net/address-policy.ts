/**
 * Which IP addresses an outgoing request made because of data (a webhook someone saved, a link a
 * feed listed, a redirect a server answered) may reach.
 *
 * Only globally routed unicast addresses are "public". Everything else — loopback, the private
 * ranges, link-local, multicast, the unspecified address, documentation and benchmarking ranges,
 * addresses not yet assigned — would let a stranger make this machine talk to its own services or
 * its neighbours (server-side request forgery), so callers refuse them.
 *
 * Addresses come in many spellings. `parseIPv4` accepts every form the classic `inet_aton` (and
 * the WHATWG URL parser, and getaddrinfo) accepts: 127.0.0.1, 127.1, 2130706433, 0x7f000001,
 * 0177.0.0.1, 0x7f.1. IPv6 forms that carry an IPv4 address (::ffff:127.0.0.1, ::127.0.0.1,
 * 64:ff9b::7f00:1, 2002:7f00:1::) are judged by the IPv4 address inside them.
 */

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'multicast' | 'unspecified' | 'reserved';

/** Vietnamese words for a class, for messages. */
export const CLASS_LABEL: Record<AddressClass, string> = {
  public: 'công cộng',
  loopback: 'loopback (chính máy này)',
  private: 'mạng riêng',
  'link-local': 'link-local',
  multicast: 'multicast',
  unspecified: 'địa chỉ không xác định',
  reserved: 'dải dành riêng',
};

function parseIPv4Part(p: string): number | undefined {
  if (/^0x[0-9a-f]*$/i.test(p)) return p.length === 2 ? 0 : parseInt(p.slice(2), 16);
  if (/^0[0-7]+$/.test(p)) return parseInt(p.slice(1), 8);
  if (/^(0|[1-9][0-9]*)$/.test(p)) return Number(p);
  return undefined;
}

/**
 * An IPv4 address in any numeric spelling, as an unsigned 32-bit number; undefined when `text`
 * is not one. One to four parts separated by dots (one trailing dot allowed); each part decimal,
 * octal (leading 0) or hexadecimal (0x); the last part fills the bytes left over.
 */
export function parseIPv4(text: string): number | undefined {
  let s = text.trim();
  if (s.endsWith('.')) s = s.slice(0, -1);
  if (!s || s.length > 64) return undefined;
  const parts = s.split('.');
  if (parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    const n = parseIPv4Part(p);
    if (n === undefined || !Number.isFinite(n)) return undefined;
    nums.push(n);
  }
  const last = nums.pop()!;
  let value = 0;
  for (let i = 0; i < nums.length; i++) {
    if (nums[i] > 255) return undefined;
    value += nums[i] * 2 ** (8 * (3 - i));
  }
  if (last >= 2 ** (8 * (4 - nums.length))) return undefined;
  return value + last;
}

/** The dotted form of a 32-bit IPv4 number. */
export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * An IPv6 address as 16 bytes; undefined when `text` is not one. Brackets and a zone
 * (`%eth0`) are allowed; the last 32 bits may be written as a dotted IPv4 address.
 */
export function parseIPv6(text: string): Uint8Array | undefined {
  let s = text.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':') || s.length > 64) return undefined;
  const lastColon = s.lastIndexOf(':');
  const dotted = s.slice(lastColon + 1);
  if (dotted.includes('.')) {
    // The last 32 bits written as a dotted IPv4 address: rewrite them as two hex groups.
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(dotted);
    if (!m) return undefined;
    const b = m.slice(1).map(Number);
    if (b.some((x) => x > 255)) return undefined;
    s = `${s.slice(0, lastColon + 1)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !rest) return undefined;
  const given = head.length + rest.length;
  let words: number[];
  if (halves.length === 2) {
    if (given > 7) return undefined;
    words = [...head, ...new Array<number>(8 - given).fill(0), ...rest];
  } else {
    if (given !== 8) return undefined;
    words = head;
  }
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 255;
  });
  return bytes;
}

/** Is `n` inside `base/bits` (IPv4 numbers)? */
function in4(n: number, base: string, bits: number): boolean {
  const b = parseIPv4(base)!;
  if (bits === 0) return true;
  const shift = 32 - bits;
  return Math.floor(n / 2 ** shift) === Math.floor(b / 2 ** shift);
}

export function classifyIPv4(n: number): AddressClass {
  if (in4(n, '0.0.0.0', 8)) return 'unspecified';
  if (in4(n, '127.0.0.0', 8)) return 'loopback';
  if (in4(n, '10.0.0.0', 8) || in4(n, '172.16.0.0', 12) || in4(n, '192.168.0.0', 16) || in4(n, '100.64.0.0', 10)) return 'private';
  if (in4(n, '169.254.0.0', 16)) return 'link-local';
  if (in4(n, '224.0.0.0', 4)) return 'multicast';
  if (
    in4(n, '240.0.0.0', 4) || // future use, and 255.255.255.255 (broadcast)
    in4(n, '192.0.0.0', 24) || // IETF protocol assignments
    in4(n, '192.0.2.0', 24) || in4(n, '198.51.100.0', 24) || in4(n, '203.0.113.0', 24) || // documentation
    in4(n, '198.18.0.0', 15) || // benchmarking
    in4(n, '192.88.99.0', 24) // old 6to4 relays
  ) return 'reserved';
  return 'public';
}

const v4At = (b: Uint8Array, i: number): number => b[i] * 2 ** 24 + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
const zeros = (b: Uint8Array, from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0);

export function classifyIPv6(b: Uint8Array): AddressClass {
  if (zeros(b, 0, 10)) {
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (the old "compatible" form) carry an IPv4 address.
    if (b[10] === 0xff && b[11] === 0xff) return classifyIPv4(v4At(b, 12));
    if (b[10] === 0 && b[11] === 0) {
      if (zeros(b, 12, 15) && b[15] === 0) return 'unspecified';
      if (zeros(b, 12, 15) && b[15] === 1) return 'loopback';
      return classifyIPv4(v4At(b, 12));
    }
    return 'reserved';
  }
  // 64:ff9b::/96, NAT64: the network's translator reaches the IPv4 address inside.
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b) {
    if (zeros(b, 4, 12)) return classifyIPv4(v4At(b, 12));
    if (b[4] === 0 && b[5] === 1) return 'private'; // 64:ff9b:1::/48, local-use NAT64
    return 'reserved';
  }
  // 2002::/16, 6to4: the IPv4 address is in bytes 2–5.
  if (b[0] === 0x20 && b[1] === 0x02) return classifyIPv4(v4At(b, 2));
  if (b[0] === 0xff) return 'multicast';
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return 'link-local';
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0xc0) return 'private'; // fec0::/10, old site-local
  if ((b[0] & 0xfe) === 0xfc) return 'private'; // fc00::/7, unique local
  // Global unicast is 2000::/3; inside it, Teredo (2001::/32) and documentation (2001:db8::/32)
  // are not places a news site or a webhook receiver lives.
  if ((b[0] & 0xe0) !== 0x20) return 'reserved';
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return 'reserved';
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return 'reserved';
  return 'public';
}

/** The class of an IP address written in any form; undefined when `text` is not an IP address. */
export function classifyAddress(text: string): AddressClass | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return classifyIPv4(v4);
  const v6 = parseIPv6(text);
  return v6 ? classifyIPv6(v6) : undefined;
}

/** True when a request made because of data must not go to this address. */
export function isForbidden(cls: AddressClass): boolean {
  return cls !== 'public';
}
