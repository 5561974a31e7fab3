// Excalidraw loads its fonts from EXCALIDRAW_ASSET_PATH (else from a CDN, which the CSP forbids): the build copies
// them next to the islands (vite.config.ts). Imported first by main.tsx so that it is set before Excalidraw runs.
declare global {
  interface Window {
    EXCALIDRAW_ASSET_PATH?: string | string[];
  }
}

window.EXCALIDRAW_ASSET_PATH = "/web/static/dist/excalidraw/";

export {};
