const TITLE = "GET / requests per second (median of rounds, 50 connections)";

/** A horizontal bar chart of requests per second, as a standalone SVG. */
export function chart(bars: { label: string; value: number }[]): string {
  const width = 720;
  const barHeight = 28;
  const gap = 12;
  const labelWidth = 230;
  const top = 40;
  const height = top + bars.length * (barHeight + gap) + 20;
  const max = Math.max(...bars.map((bar) => bar.value), 1);
  const scale = (width - labelWidth - 90) / max;
  const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const rows = bars.map((bar, index) => {
    const y = top + index * (barHeight + gap);
    const length = Math.max(1, Math.round(bar.value * scale));
    return [
      `<text x="${labelWidth - 8}" y="${y + barHeight / 2 + 5}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${length}" height="${barHeight}" fill="${index === 0 ? "#9e9e9e" : "#3f7fbf"}"/>`,
      `<text x="${labelWidth + length + 6}" y="${y + barHeight / 2 + 5}">${Math.round(bar.value).toLocaleString("en")}</text>`,
    ].join("");
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" font-family="sans-serif" font-size="13">`,
    `<title>${TITLE}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${TITLE}</text>`,
    ...rows,
    "</svg>",
    "",
  ].join("\n");
}
