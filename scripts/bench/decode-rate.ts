// How often each barcode decoder reads the ZXing blackbox images, and how long one image takes: the figures
// that chose the handheld's fallback decoder (handheld-web/src/scanner.ts). Each image is given as the handheld
// gives a camera frame: RGBA pixels (zxing-wasm) or their luminance (@zxing/library), decoding timed alone.
//   npx tsx scripts/bench/decode-rate.ts [--dir ../shared/zxing-blackbox] [--repeat 3]
// @zxing/library is measured when it is installed (it is no longer a dependency: it requires Node ≥ 24).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { DECODE_PASSES } from '../../handheld-web/src/decode-passes.js';

const { values } = parseArgs({ options: { dir: { type: 'string', default: process.env.ZXING_BLACKBOX ?? '' }, repeat: { type: 'string', default: '3' } } });
const candidates = [values.dir, '../shared/zxing-blackbox', '/work/shared/zxing-blackbox'].filter(Boolean) as string[];
const dir = candidates.find((d) => fs.existsSync(path.join(d, 'README.md')));
if (!dir) throw new Error(`No blackbox images: pass --dir (looked in ${candidates.join(', ')})`);
const repeat = Number(values.repeat);

type Image = { set: string; name: string; expected: string; rgba: Uint8ClampedArray; luminance: Uint8ClampedArray; width: number; height: number };
type Decoder = { name: string; passes?: number; decode(img: Image): Promise<{ text: string; frames: number } | null> | { text: string; frames: number } | null };
/** Every single pass's time (one camera frame's decoding), for the per-frame percentiles. */
const passMs: number[] = [];

/** Every `N.png`/`N.jpg` beside its `N.txt`, per folder (the layout README.md describes). */
async function loadImages(): Promise<Image[]> {
  const images: Image[] = [];
  for (const set of fs.readdirSync(dir!).filter((f) => fs.statSync(path.join(dir!, f)).isDirectory()).sort()) {
    for (const file of fs.readdirSync(path.join(dir!, set)).filter((f) => /\.(png|jpe?g|gif)$/i.test(f)).sort()) {
      const txt = path.join(dir!, set, file.replace(/\.[^.]+$/, '.txt'));
      if (!fs.existsSync(txt)) continue;
      const { data, info } = await sharp(path.join(dir!, set, file)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const rgba = new Uint8ClampedArray(data.buffer, data.byteOffset, data.length);
      const luminance = new Uint8ClampedArray(info.width * info.height);
      for (let i = 0, p = 0; i < luminance.length; i++, p += 4) luminance[i] = (rgba[p]! * 299 + rgba[p + 1]! * 587 + rgba[p + 2]! * 114) / 1000;
      images.push({ set, name: file, expected: fs.readFileSync(txt, 'utf8').trim(), rgba, luminance, width: info.width, height: info.height });
    }
  }
  return images;
}

/** zxing-wasm with the handheld's passes (handheld-web/src/decode-passes.ts): one of them per camera frame, in turn. */
async function zxingWasm(): Promise<Decoder> {
  const wasm = fs.readFileSync(path.join('node_modules', 'zxing-wasm', 'dist', 'reader', 'zxing_reader.wasm'));
  await prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.length) as ArrayBuffer }, fireImmediately: true });
  const frameOf = (img: Image) =>
    // What a canvas's getImageData gives the handheld (ImageData is a browser type: its shape here).
    ({ data: img.rgba, width: img.width, height: img.height, colorSpace: 'srgb' }) as unknown as Parameters<typeof readBarcodes>[0];
  return {
    name: `zxing-wasm 3 (ZXing-C++), the handheld's ${DECODE_PASSES.length} passes`,
    passes: DECODE_PASSES.length,
    async decode(img) {
      // A still label in front of the camera is seen by each pass in turn: the first that reads it wins.
      for (const [i, options] of DECODE_PASSES.entries()) {
        const t = performance.now();
        const [hit] = await readBarcodes(frameOf(img), options);
        passMs.push(performance.now() - t);
        if (hit?.isValid) return { text: hit.text, frames: i + 1 };
      }
      return null;
    },
  };
}

/** @zxing/library as the handheld used it until now (the same hints), when installed. */
async function zxingLibrary(): Promise<Decoder | null> {
  // A variable specifier: typechecks and runs whether or not the package is present.
  const specifier = '@zxing/library';
  const z = await import(specifier).catch(() => null);
  if (!z) return null;
  const hints = new Map<unknown, unknown>([
    [z.DecodeHintType.POSSIBLE_FORMATS, [z.BarcodeFormat.CODE_128, z.BarcodeFormat.QR_CODE, z.BarcodeFormat.PDF_417, z.BarcodeFormat.EAN_13, z.BarcodeFormat.EAN_8, z.BarcodeFormat.CODE_39]],
    [z.DecodeHintType.TRY_HARDER, true],
  ]);
  const reader = new z.MultiFormatReader();
  reader.setHints(hints);
  return {
    name: '@zxing/library',
    decode(img) {
      try {
        const text = reader.decodeWithState(new z.BinaryBitmap(new z.HybridBinarizer(new z.RGBLuminanceSource(img.luminance, img.width, img.height)))).getText() as string;
        return { text, frames: 1 };
      } catch {
        return null;
      }
    },
  };
}

const images = await loadImages();
const decoders = [await zxingWasm(), await zxingLibrary()].filter((d): d is Decoder => d !== null);
const sets = [...new Set(images.map((i) => i.set))];
console.log(`${images.length} images in ${dir} (${sets.join(', ')}); decode time is the median of ${repeat} runs per image`);
/** The ZXing Java reference's passes per set (../shared/zxing-blackbox/README.md): what a set should at least read. */
const JAVA_REFERENCE: Record<string, number> = { 'code128-1': 7, 'code128-2': 36, 'code128-3': 2, 'qrcode-1': 17, 'qrcode-2': 32, 'qrcode-3': 38 };
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
for (const decoder of decoders) {
  const cells: string[] = [];
  let allRead = 0;
  let allMs = 0;
  passMs.length = 0;
  for (const set of sets) {
    const these = images.filter((i) => i.set === set);
    let read = 0;
    let ms = 0;
    let frames = 0;
    for (const img of these) {
      const times: number[] = [];
      let got: { text: string; frames: number } | null = null;
      for (let r = 0; r < repeat; r++) {
        const t = performance.now();
        got = await decoder.decode(img);
        times.push(performance.now() - t);
      }
      // Whitespace at either end is not compared: some .txt files end in a newline their code does not hold, and
      // some codes end in one (a vCard's CRLF) that the decoder rightly returns.
      if (got?.text.trim() === img.expected) {
        read++;
        frames = Math.max(frames, got.frames);
      }
      ms += times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    }
    allRead += read;
    allMs += ms;
    const reference = JAVA_REFERENCE[set];
    cells.push(`${set} ${read}/${these.length}${reference === undefined ? '' : ` (Java ${reference})`} ${(ms / these.length).toFixed(1)} ms${decoder.passes ? `, ≤ ${frames} frames` : ''}`);
  }
  console.log(`${decoder.name}: ${allRead}/${images.length} read, ${(allMs / images.length).toFixed(1)} ms/image — ${cells.join('; ')}`);
  if (passMs.length) {
    const sorted = [...passMs].sort((a, b) => a - b);
    console.log(`  one frame (one pass): p50 ${pct(sorted, 50).toFixed(1)} ms, p95 ${pct(sorted, 95).toFixed(1)} ms, p99 ${pct(sorted, 99).toFixed(1)} ms over ${sorted.length} decodes`);
  }
}
if (decoders.length === 1) console.log('@zxing/library: not installed, not measured');
