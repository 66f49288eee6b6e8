// The camera scanner, loaded only when the courier presses Scan. The browser's own BarcodeDetector when it
// has one (Android Chrome: fast, native); otherwise ZXing-C++ in WebAssembly (zxing-wasm) decoding frames from a
// canvas: of the decoders measured (scripts/bench/decode-rate.ts), it reads the most camera photos. Continuous
// until a code is read; the torch where the camera has one; a beep and a buzz on success.

import { DECODE_PASSES } from './decode-passes.js';

export type ScanFormat = 'code_128' | 'qr_code' | 'pdf417' | 'ean_13' | 'ean_8' | 'code_39';
const FORMATS: ScanFormat[] = ['code_128', 'qr_code', 'pdf417', 'ean_13', 'ean_8', 'code_39'];

export type Scanner = { stop(): void; setTorch(on: boolean): Promise<void>; hasTorch: boolean; engine: 'native' | 'zxing' };

type Detector = (frame: HTMLVideoElement, canvas: HTMLCanvasElement) => Promise<string | null>;

interface NativeDetector {
  detect(source: CanvasImageSource): Promise<{ rawValue: string }[]>;
}
declare const BarcodeDetector: {
  new (opts: { formats: string[] }): NativeDetector;
  getSupportedFormats(): Promise<string[]>;
};

async function nativeDetector(): Promise<Detector | null> {
  if (typeof BarcodeDetector === 'undefined') return null;
  const supported = await BarcodeDetector.getSupportedFormats().catch(() => [] as string[]);
  const formats = FORMATS.filter((f) => supported.includes(f));
  if (!formats.length) return null;
  const detector = new BarcodeDetector({ formats });
  return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
}

/** The decoder's .wasm, copied beside the scanner chunk by scripts/build-web.mjs: our origin, never a CDN (offline). */
declare const ZXING_READER_WASM: string;

async function zxingDetector(): Promise<Detector> {
  const z = await import('zxing-wasm/reader');
  // Loaded now, not on the first frame: a decoder that cannot start fails the scan at once, visibly.
  await z.prepareZXingModule({
    overrides: { locateFile: (file: string, prefix: string) => (file.endsWith('.wasm') ? new URL(ZXING_READER_WASM, import.meta.url).href : prefix + file) },
    fireImmediately: true,
  });
  // One decoding pass per frame, in turn (./decode-passes.ts).
  let frame = 0;
  return async (video, canvas) => {
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!w || !h) return null;
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(video, 0, 0, w, h);
    const [hit] = await z.readBarcodes(ctx.getImageData(0, 0, w, h), DECODE_PASSES[frame++ % DECODE_PASSES.length]);
    return hit?.isValid ? hit.text : null;
  };
}

function signalSuccess() {
  try {
    navigator.vibrate?.(80);
    const audio = new AudioContext();
    const osc = audio.createOscillator();
    osc.frequency.value = 1760;
    osc.connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.09);
    osc.onended = () => void audio.close();
  } catch {
    // no sound on this device: the screen says it anyway
  }
}

/** Starts the camera into `video` and calls `onCode` once with the first code read. */
export async function startScanner(video: HTMLVideoElement, onCode: (code: string) => void): Promise<Scanner> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 } }, audio: false });
  video.srcObject = stream;
  video.muted = true;
  video.setAttribute('playsinline', '');
  await video.play();
  const track = stream.getVideoTracks()[0]!;
  const caps = (track.getCapabilities?.() ?? {}) as MediaTrackCapabilities & { torch?: boolean };
  const native = await nativeDetector();
  const detect = native ?? (await zxingDetector());
  const canvas = document.createElement('canvas');
  let running = true;
  const stop = () => {
    running = false;
    stream.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
  };
  const loop = async () => {
    while (running) {
      const code = await detect(video, canvas).catch(() => null);
      if (!running) return;
      if (code) {
        signalSuccess();
        stop();
        onCode(code.trim());
        return;
      }
      await new Promise((r) => setTimeout(r, 120));
    }
  };
  void loop();
  return {
    stop,
    hasTorch: !!caps.torch,
    engine: native ? 'native' : 'zxing',
    async setTorch(on) {
      await track.applyConstraints({ advanced: [{ torch: on } as MediaTrackConstraintSet] });
    },
  };
}
