// Numeric values of GPUBufferUsage / GPUMapMode from the WebGPU spec. Using
// them directly avoids depending on globals that Dawn for Node does not install.
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

export const MapMode = { READ: 0x0001 } as const;
