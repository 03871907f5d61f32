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
