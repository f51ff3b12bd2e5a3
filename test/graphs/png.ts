import { decode } from 'fast-png';

/** A decoded PNG, read as a person would look at it: sizes, colours, lines. */
export interface Picture {
  width: number;
  height: number;
  /** RGB of the pixel at (x, y). */
  rgb(x: number, y: number): [number, number, number];
}

export function decodePng(data: Uint8Array): Picture {
  const image = decode(data);
  const channels = image.channels;
  if (image.depth !== 8) throw new Error(`expected an 8-bit PNG, got ${image.depth} bits`);
  return {
    width: image.width,
    height: image.height,
    rgb(x, y) {
      const at = (y * image.width + x) * channels;
      return [image.data[at] ?? 0, image.data[at + 1] ?? 0, image.data[at + 2] ?? 0];
    },
  };
}

export function hexToRgb(color: string | number): [number, number, number] {
  const value = typeof color === 'number' ? color : Number.parseInt(color.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

const near = (a: readonly number[], b: readonly number[], tolerance: number): boolean => a.every((channel, index) => Math.abs(channel - (b[index] ?? 0)) <= tolerance);

/** How many pixels (in a region) are within `tolerance` of the colour on each channel. */
export function countColor(picture: Picture, color: string | number, tolerance = 12, region = { top: 0, bottom: picture.height }): number {
  const target = hexToRgb(color);
  let count = 0;
  for (let y = region.top; y < region.bottom; y += 1) {
    for (let x = 0; x < picture.width; x += 1) if (near(picture.rgb(x, y), target, tolerance)) count += 1;
  }
  return count;
}

/** Rows where at least `share` of the pixels have the colour: a horizontal line across the chart. */
export function horizontalLines(picture: Picture, color: string | number, share: number): number[] {
  const target = hexToRgb(color);
  const rows: number[] = [];
  for (let y = 0; y < picture.height; y += 1) {
    let count = 0;
    for (let x = 0; x < picture.width; x += 1) if (near(picture.rgb(x, y), target, 8)) count += 1;
    if (count >= picture.width * share) rows.push(y);
  }
  return rows;
}

/** Pixels that are not the background, and how many different colours the picture has. */
export function variety(picture: Picture, background: string): { foreground: number; colors: number } {
  const target = hexToRgb(background);
  const colors = new Set<number>();
  let foreground = 0;
  for (let y = 0; y < picture.height; y += 1) {
    for (let x = 0; x < picture.width; x += 1) {
      const pixel = picture.rgb(x, y);
      colors.add((pixel[0] << 16) | (pixel[1] << 8) | pixel[2]);
      if (!near(pixel, target, 4)) foreground += 1;
    }
  }
  return { foreground, colors: colors.size };
}
