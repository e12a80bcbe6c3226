/** What the browser smoke page exposes to the test (values are plain arrays). */
export interface SmokeInputs {
  readonly a: number[];
  readonly aShape: [number, number];
  readonly b: number[];
  readonly bShape: [number, number];
}

export interface SmokeOutputs {
  readonly adapter: string;
  readonly matmul: number[];
  readonly tanh: number[];
  /** Sum over axis 0 of tanh(a · b). */
  readonly sum: number[];
}

export type RunSmoke = (inputs: SmokeInputs) => Promise<SmokeOutputs>;
