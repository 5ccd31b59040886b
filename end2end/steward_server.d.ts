export const ROOT: string;
export const buildHashFile: string;
export function startSteward(options: {
  port: number;
  scratch: string;
  site: string;
  hashFile: string;
}): Promise<{ base: string; log: string; stop: () => void }>;
