// Where webhooks may not go (SSRF): loopback, private, link-local, shared (CGNAT), unspecified,
// multicast/reserved and cloud metadata addresses, IPv4 and IPv6 (IPv4-mapped IPv6 included).
// Checked on IP literals when an endpoint is created, and on every address a host name resolves
// to when a delivery connects (engine/webhooks/guarded-lookup.ts). Config
// `webhooks.allowPrivateUrls` lifts it.
import { BlockList, isIP } from 'node:net';

type Family = 'ipv4' | 'ipv6';

const RANGES: [kind: string, subnets: [address: string, prefix: number, family: Family][]][] = [
  [
    'cloud metadata',
    [
      ['169.254.169.254', 32, 'ipv4'],
      ['fd00:ec2::254', 128, 'ipv6'],
    ],
  ],
  [
    'loopback',
    [
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ],
  ],
  [
    'unspecified',
    [
      ['0.0.0.0', 8, 'ipv4'],
      ['::', 96, 'ipv6'], // `::` itself and the deprecated IPv4-compatible form
    ],
  ],
  [
    'private',
    [
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['fc00::', 7, 'ipv6'],
    ],
  ],
  [
    'link-local',
    [
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ],
  ],
  ['shared (CGNAT)', [['100.64.0.0', 10, 'ipv4']]],
  [
    'multicast or reserved',
    [
      ['224.0.0.0', 3, 'ipv4'], // 224/4 multicast and 240/4 reserved, broadcast included
      ['ff00::', 8, 'ipv6'],
    ],
  ],
];

const LISTS = RANGES.map(([kind, subnets]) => {
  const list = new BlockList();
  for (const [address, prefix, family] of subnets) list.addSubnet(address, prefix, family);
  return { kind, list };
});

/** An IP literal as a URL's hostname writes it (`[::1]`), or null for a name. */
export function ipLiteralOf(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : null;
}

/** Why this address is refused (`"private"`, `"loopback"`, …), or null when webhooks may reach it. */
export function blockedAddressKind(address: string): string | null {
  const version = isIP(address);
  if (version === 0) return 'not an IP address';
  const family: Family = version === 4 ? 'ipv4' : 'ipv6';
  return LISTS.find(({ list }) => list.check(address, family))?.kind ?? null;
}

export const REFUSAL_HINT =
  'webhooks are not sent to loopback, private, link-local or metadata addresses unless the config sets webhooks.allowPrivateUrls';

/** Why a URL's IP literal is refused. */
export const refusedLiteral = (address: string, kind: string) => `${address} is a ${kind} address; ${REFUSAL_HINT}`;

/** Why a host name is refused, by the address it resolved to. */
export const refusedName = (hostname: string, address: string, kind: string) =>
  `${hostname} resolves to ${address}, a ${kind} address; ${REFUSAL_HINT}`;
