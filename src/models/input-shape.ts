/** Input shape [H, W, C] of one example (what buildModel and every architecture take). */
export type InputShape = [number, number, number];
