// Builds the TypeScript islands into workos/web/static/dist (DESIGN.md §2). Django finds the hashed file
// names through the manifest (see the `vite_entry` template tag), so there is no dev server in production.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
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
        sidebar: here("src/sidebar/main.ts"),
        views: here("src/views/main.ts"),
        search: here("src/search/main.ts"),
        collab: here("src/collab/main.ts"),
        templates: here("src/templates/main.ts"),
      },
    },
  },
});
