// Builds the TypeScript islands into workos/web/static/dist (DESIGN.md §2). Django finds the hashed file
// names through the manifest (see the `vite_entry` template tag), so there is no dev server in production.
import { cpSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Excalidraw's fonts, served from this site (the CSP allows fonts from 'self' only): see src/canvas/assets.ts.
function excalidrawFonts(): Plugin {
  let outDir = "";
  return {
    name: "workos-excalidraw-fonts",
    apply: "build",
    configResolved(config) {
      outDir = config.build.outDir;
    },
    writeBundle() {
      cpSync(here("node_modules/@excalidraw/excalidraw/dist/prod/fonts"), `${outDir}/excalidraw/fonts`, { recursive: true });
    },
  };
}

export default defineConfig({
  plugins: [excalidrawFonts()],
  define: { "process.env.IS_PREACT": JSON.stringify("false") },
  base: "/web/static/dist/",
  publicDir: false,
  build: {
    outDir: here("../workos/web/static/dist"),
    emptyOutDir: true,
    manifest: true,
    target: "es2020",
    sourcemap: false,
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      input: {
        editor: here("src/editor/main.ts"),
        rendered: here("src/editor/rendered.ts"),
        sidebar: here("src/sidebar/main.ts"),
        views: here("src/views/main.ts"),
        row: here("src/views/row.ts"),
        search: here("src/search/main.ts"),
        collab: here("src/collab/main.ts"),
        canvas: here("src/canvas/main.tsx"),
        templates: here("src/templates/main.ts"),
        review: here("src/review/main.ts"),
      },
    },
  },
});
