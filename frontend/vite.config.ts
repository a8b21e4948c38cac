import { defineConfig } from "vite";

// Django serves the built files as static files under /static/dashboard/ (see
// coach/settings/base.py STATICFILES_DIRS) and index.html itself for every /app/ URL.
export default defineConfig({
  base: "/static/dashboard/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
  },
});
