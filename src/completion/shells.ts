// The shells `completion` writes scripts for (kept apart so the command table stays light).
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];
