// A camera's view of a barcode for Chromium's fake video capture: the code drawn by @zxing/library's own
// encoder, put on a grey desk with sharp, written as a Y4M (YUV 4:2:0) clip Chromium loops as the camera.
import fs from 'node:fs';
import zxing from '@zxing/library'; // CommonJS in Node: named exports via the default
const { BarcodeFormat, QRCodeWriter } = zxing;
import sharp from 'sharp';

export async function barcodeVideo(text: string, file: string, width = 640, height = 480): Promise<void> {
  const matrix = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0, new Map());
  const n = matrix.getWidth();
  const code = Buffer.alloc(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) code[y * n + x] = matrix.get(x, y) ? 0 : 255;
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
