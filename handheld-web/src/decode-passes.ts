// How the handheld's fallback decoder (zxing-wasm, ZXing-C++) reads a camera frame, shared with the benchmark that
// chose it (scripts/bench/decode-rate.ts). One setting does not read every real label: a blurred or glary frame
// wants the image denoised, a low-contrast one a global threshold. Each frame is decoded with one of these passes in
// turn (frame k with pass k mod n), so a frame costs one pass and a hard label is read within n frames. Figures over
// ../shared/zxing-blackbox are in the README ("Barcode decoding"). Plain text: a code's bytes as they are, control
// characters included, not the "human readable" form that writes them as <SOH>.
import type { ReaderOptions } from 'zxing-wasm/reader';

const BASE: ReaderOptions = {
  formats: ['Code128', 'QRCode', 'PDF417', 'EAN13', 'EAN8', 'Code39'],
  tryHarder: true,
  maxNumberOfSymbols: 1,
  textMode: 'Plain',
};

export const DECODE_PASSES: readonly ReaderOptions[] = [
  BASE,
  { ...BASE, tryDenoise: true },
  { ...BASE, binarizer: 'GlobalHistogram', tryDenoise: true },
];
