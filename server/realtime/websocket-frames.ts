/**
 * Server-to-client websocket text frames (RFC 6455 §5.2: final, unmasked), encoded by hand so that many
 * messages go out in one buffer and one write; see hub.ts (frame templates) and graphql/ws-transport.ts.
 */

/** Bytes of a frame header for a payload of `length` bytes. */
export function frameHeaderLength(length: number): number {
  return length < 126 ? 2 : length < 65_536 ? 4 : 10;
}

/** Writes the header of a final text frame with a payload of `length` bytes at `at`; returns where the payload starts. */
export function writeFrameHeader(out: Buffer, at: number, length: number): number {
  out[at++] = 0x81; // FIN, opcode 1 (text)
  if (length < 126) out[at++] = length;
  else if (length < 65_536) {
    out[at++] = 126;
    out.writeUInt16BE(length, at);
    at += 2;
  } else {
    out[at++] = 127;
    out.writeBigUInt64BE(BigInt(length), at);
    at += 8;
  }
  return at;
}

/** Encodes messages (three parts each) as consecutive text frames in one buffer. */
export function textFrames(parts: Buffer[]): Buffer {
  let total = 0;
  for (let n = 0; n < parts.length; n += 3) {
    const length = parts[n].length + parts[n + 1].length + parts[n + 2].length;
    total += length + frameHeaderLength(length);
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let n = 0; n < parts.length; n += 3) {
    at = writeFrameHeader(out, at, parts[n].length + parts[n + 1].length + parts[n + 2].length);
    for (let part = n; part < n + 3; part++) at += parts[part].copy(out, at);
  }
  return out;
}
