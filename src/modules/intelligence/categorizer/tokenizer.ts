/**
 * Text → terms. Two families of terms feed the classifier:
 * - word n-grams over normalised word tokens ("card", "card arrive"),
 * - character n-grams inside word boundaries (scikit-learn's `char_wb`): each word is padded
 *   with a space on both sides and cut into n-grams, so "card" gives " c", "ca", …, "rd ",
 *   " ca", … — robust to typos, inflections and unseen compounds.
 */

const wordPattern = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;
const digits = /\p{Nd}/gu;

/** Lower-cased, compatibility-normalised, with every digit replaced by 0 (amounts and dates vary). */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(digits, '0').replace(/’/g, "'");
}

/** Word tokens of already-normalised text. */
export function wordTokens(normalized: string): string[] {
  return normalized.match(wordPattern) ?? [];
}

/** Appends the word n-grams (n in [minN, maxN]) of `tokens` to `out`. */
export function wordNgrams(tokens: readonly string[], minN: number, maxN: number, out: string[]): void {
  for (let n = minN; n <= maxN; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      out.push(n === 1 ? tokens[i] : tokens.slice(i, i + n).join(' '));
    }
  }
}

/** Appends the `char_wb` n-grams (n in [minN, maxN]) of each token to `out`. */
export function charNgrams(tokens: readonly string[], minN: number, maxN: number, out: string[]): void {
  for (const token of tokens) {
    const padded = ` ${token} `;
    for (let n = minN; n <= maxN; n++) {
      if (n > padded.length) break;
      for (let i = 0; i + n <= padded.length; i++) out.push(padded.slice(i, i + n));
    }
  }
}
