// The handheld's decoding passes (handheld-web/src/decode-passes.ts), in Node with the same zxing-wasm build the
// handheld loads: a photo the first pass cannot read is read by a later one, and a code's control characters come
// back as they are (not as "<SOH>"). The decode-rate figures over the whole blackbox set: scripts/bench/decode-rate.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { DECODE_PASSES } from '../handheld-web/src/decode-passes.js';

const fixtures = path.join(import.meta.dirname, 'fixtures', 'zxing');

async function frameOf(file: string) {
  const { data, info } = await sharp(path.join(fixtures, file)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, colorSpace: 'srgb' } as unknown as Parameters<typeof readBarcodes>[0];
}

/** The text each pass reads from the image (null where it reads nothing). */
async function passesOn(file: string): Promise<(string | null)[]> {
  const frame = await frameOf(file);
  const out: (string | null)[] = [];
  for (const options of DECODE_PASSES) {
    const [hit] = await readBarcodes(frame, options);
    out.push(hit?.isValid ? hit.text : null);
  }
  return out;
}

describe('barcode decoding passes (handheld fallback decoder)', function () {
  this.timeout(30_000);
  before(async () => {
    const wasm = fs.readFileSync(path.join('node_modules', 'zxing-wasm', 'dist', 'reader', 'zxing_reader.wasm'));
    await prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.length) as ArrayBuffer }, fireImmediately: true });
  });

  it('a blurred photo the first pass misses is read by a later pass, within one turn of the passes', async () => {
    const expected = fs.readFileSync(path.join(fixtures, 'qrcode-2-28.txt'), 'utf8').trim();
    const reads = await passesOn('qrcode-2-28.png');
    assert.equal(reads[0], null, 'the first pass alone does not read it (else this test shows nothing)');
    assert.ok(reads.slice(1).includes(expected), JSON.stringify(reads));
  });

  it("a code's control characters are returned as they are", async () => {
    const expected = fs.readFileSync(path.join(fixtures, 'qrcode-2-33.txt'), 'utf8');
    const [first] = await passesOn('qrcode-2-33.png');
    assert.equal(first, expected);
    assert.ok(!first!.includes('<SOH>'));
  });
});
