/**
 * Rows kept on a model's backend (a GPU's memory with the WebGPU backend):
 * uploaded and converted to the backend's float type once, then passed to
 * `evaluate`, `forwardDerivative` and `gradient` as many times as wanted
 * without being copied again. Made by `model.upload(data)`; freed by
 * `delete()`.
 */
import type { Backend, Tensor } from "@neureco/core";

/** Which columns the rows hold: the model's inputs (x, dx) or its outputs (py). */
export type DeviceColumns = "inputs" | "outputs";

export class DeviceMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly columns: DeviceColumns;
  readonly #backend: Backend;
  #tensor: Tensor | null;

  /** @internal Made by a model's `upload`. */
  constructor(tensor: Tensor, backend: Backend, columns: DeviceColumns) {
    this.#tensor = tensor;
    this.#backend = backend;
    this.rows = tensor.shape[0];
    this.cols = tensor.shape[1];
    this.columns = columns;
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  get isDeleted(): boolean {
    return this.#tensor === null;
  }

  /** Frees the rows on the backend; later uses throw. Deleting twice is a no-op. */
  delete(): void {
    this.#tensor?.dispose();
    this.#tensor = null;
  }

  /**
   * @internal The rows as a tensor of `backend`, for argument `name` of
   * `call`; throws when deleted or uploaded for another backend.
   */
  tensorFor(backend: Backend, name: string, call: string): Tensor {
    if (this.#tensor === null) {
      throw new Error(`${call}: ${name} is a DeviceMatrix that was deleted; upload the rows again`);
    }
    if (backend !== this.#backend) {
      throw new Error(
        `${call}: ${name} is a DeviceMatrix on another backend (${this.#backend.name}); upload it with this model`,
      );
    }
    return this.#tensor;
  }
}
