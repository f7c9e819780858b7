// The one export of react-dom/client this page uses (the repository has @types/react, not @types/react-dom).
declare module 'react-dom/client' {
  import type { ReactNode } from 'react';
  export function createRoot(container: Element): { render(node: ReactNode): void; unmount(): void };
}
