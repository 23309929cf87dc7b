import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The build lands in ../static, which the Python package serves (and git keeps).
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "../static",
    emptyOutDir: true,
    assetsDir: "assets",
    manifest: "vite-manifest.json",
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: { proxy: { "/api": "http://127.0.0.1:8000", "/openapi.json": "http://127.0.0.1:8000" } },
});
