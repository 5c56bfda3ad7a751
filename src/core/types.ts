/** A dense row-major matrix: element (i, j) is data[i * cols + j]. */
export interface Matrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}
