// Excalidraw loads its fonts from EXCALIDRAW_ASSET_PATH and lists a CDN after it as a fallback source of every
// font face. The CSP allows fonts from this site only, and Chromium reports the CDN sources as violations even
// when the local file loads; so the build copies the fonts next to the islands (vite.config.ts), and the font
// faces Excalidraw makes keep only the sources on this site. Imported first by main.tsx: it runs before Excalidraw.
declare global {
  interface Window {
    EXCALIDRAW_ASSET_PATH?: string | string[];
  }
}

// An absolute address: Excalidraw resolves font files against it with new URL(), which needs one.
window.EXCALIDRAW_ASSET_PATH = new URL("/web/static/dist/excalidraw/", window.location.origin).href;

const NativeFontFace = window.FontFace;

function sameSiteSources(source: string): string {
  const parts = source.split(/,\s*(?=url\()/);
  const kept = parts.filter((part) => {
    const match = part.match(/^url\(["']?([^"')]+)/);
    return !match || !/^https?:/.test(match[1]) || match[1].startsWith(window.location.origin + "/");
  });
  return kept.length ? kept.join(", ") : source;
}

window.FontFace = class extends NativeFontFace {
  constructor(family: string, source: string | BufferSource, descriptors?: FontFaceDescriptors) {
    super(family, typeof source === "string" ? sameSiteSources(source) : source, descriptors);
  }
} as typeof FontFace;

export {};
