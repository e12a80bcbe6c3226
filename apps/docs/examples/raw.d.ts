// `?raw` imports (Vite, VitePress and vitest all support them) give a file's text.
declare module "*?raw" {
  const text: string;
  export default text;
}
