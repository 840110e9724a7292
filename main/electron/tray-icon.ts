// The tray icon, drawn at start-up as a PNG (a filled ring, the app's "running" mark), so the shell ships no
// binary assets of its own. Returns PNG bytes for nativeImage.createFromBuffer.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A `size`×`size` RGBA PNG: a ring of colour `rgb` with a dot in the middle, antialiased edges. */
export function trayIconPng(size = 32, rgb: [number, number, number] = [0x3b, 0x82, 0xf6]): Buffer {
  const rows: Buffer[] = [];
  const c = (size - 1) / 2;
  const outer = size / 2 - 1;
  const inner = outer * 0.62;
  const dot = outer * 0.3;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0, then RGBA
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c);
      const cover = (edge: number) => Math.max(0, Math.min(1, edge - d + 0.5));
      const ring = Math.min(cover(outer), 1 - cover(inner));
      const alpha = Math.max(ring, cover(dot));
      row.set([rgb[0], rgb[1], rgb[2], Math.round(alpha * 255)], 1 + x * 4);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
