// One app, three faces: the portal (/portal/...), the dashboard and the workspace (the rest).
// Each face is its own chunk, so the workspace's first load carries no charts and no portal.
import { StrictMode, Suspense, lazy } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter, Route, Routes } from "react-router-dom";
import "./i18n";
import "./styles.css";

const Workspace = lazy(() => import("./workspace/Workspace"));
const Portal = lazy(() => import("./portal/Portal"));

const queries = new QueryClient({
  defaultOptions: { queries: { refetchOnWindowFocus: true, staleTime: 5_000 } },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <BrowserRouter>
        <Suspense fallback={<div className="center muted">…</div>}>
          <Routes>
            <Route path="/portal/*" element={<Portal />} />
            <Route path="/*" element={<Workspace />} />
          </Routes>
        </Suspense>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
