// A camera's view of a barcode for Chromium's fake video capture: the code drawn by ZXing-C++'s own encoder
// (zxing-wasm's writer, its .wasm read from node_modules), put on a grey desk with sharp, written as a Y4M
// (YUV 4:2:0) clip Chromium loops as the camera.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { prepareZXingModule, writeBarcode } from 'zxing-wasm/writer';

async function qrModules(text: string): Promise<{ data: Uint8ClampedArray; width: number; height: number }> {
  const wasm = fs.readFileSync(createRequire(import.meta.url).resolve('zxing-wasm/writer/zxing_writer.wasm'));
  await prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.length) as ArrayBuffer }, fireImmediately: true });
  // One pixel a module, no quiet zone: the label adds its own margin below.
  const { symbol, error } = await writeBarcode(text, { format: 'QRCode', scale: 1, addQuietZones: false });
  if (error) throw new Error(`QR encoding failed: ${error}`);
  return symbol;
}

export async function barcodeVideo(text: string, file: string, width = 640, height = 480): Promise<void> {
  const symbol = await qrModules(text);
  const n = symbol.width;
  // symbol.data: one byte a module, 0 for a dark one (as ZXing-C++'s BitMatrix renders to an image).
  const code = Buffer.from(symbol.data.buffer, symbol.data.byteOffset, n * symbol.height);
  const side = Math.floor(Math.min(width, height) * 0.6);
  // A white label with a quiet zone, scaled without smoothing, laid on a mid-grey counter top.
  const label = await sharp(code, { raw: { width: n, height: n, channels: 1 } })
    .resize(side, side, { kernel: 'nearest' })
    .extend({ top: 24, bottom: 24, left: 24, right: 24, background: '#ffffff' })
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const luma = Buffer.alloc(width * height, 128);
  const { width: lw, height: lh } = label.info;
  const left = Math.floor((width - lw) / 2);
  const top = Math.floor((height - lh) / 2);
  for (let y = 0; y < lh; y++) label.data.copy(luma, (top + y) * width + left, y * lw, (y + 1) * lw);
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frames = [0, 1, 2].map(() => Buffer.concat([Buffer.from('FRAME\n'), luma, chroma, chroma]));
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`), ...frames]));
}
