import type { Prediction, TextClassifier } from './text-classifier';
import { normalizeText, wordTokens } from './tokenizer';

export const keywordsKind = 'keywords';

/**
 * A label and the words that point to it. A keyword is a word ("invoice"), a prefix ending in
 * `*` ("refund*" matches "refunds", "refunded") or a phrase of such words ("log in",
 * "where* my order").
 */
export interface KeywordRule {
  label: string;
  keywords: string[];
}

/** Sensible defaults for a support desk until the installation has categorised tickets of its own. */
export const defaultKeywordRules: readonly KeywordRule[] = [
  {
    label: 'billing',
    keywords: [
      'invoice*',
      'receipt*',
      'bill',
      'billing',
      'billed',
      'charge',
      'charged',
      'charges',
      'overcharg*',
      'payment*',
      'pay',
      'paid',
      'credit card',
      'subscription*',
      'tax',
      'vat',
    ],
  },
  {
    label: 'shipping',
    keywords: [
      'ship*',
      'deliver*',
      'track*',
      'package*',
      'parcel*',
      'courier*',
      'dispatch*',
      'postage',
      'transit',
      'arriv*',
      'where* my order',
      'not received',
      "hasn't arrived",
    ],
  },
  {
    label: 'returns',
    keywords: [
      'return*',
      'refund*',
      'exchang*',
      'send it back',
      'send back',
      'money back',
      'wrong size',
      'wrong item',
      'damaged',
      'rma',
    ],
  },
  {
    label: 'technical',
    keywords: [
      'error*',
      'bug*',
      'crash*',
      'broken',
      'not working',
      "doesn't work",
      'does not work',
      "won't load",
      'app',
      'website',
      'install*',
      'set up',
      'setup',
      'connect*',
      'sync*',
      'glitch*',
      'freez*',
      'slow',
    ],
  },
  {
    label: 'account',
    keywords: [
      'account*',
      'password*',
      'login',
      'log in',
      'sign in',
      'username',
      'email address',
      'profile',
      'locked out',
      'verif*',
      'two factor',
      '2fa',
      'unsubscribe',
      'delete my',
    ],
  },
  {
    label: 'sales',
    keywords: [
      'pric*',
      'quote*',
      'discount*',
      'coupon*',
      'promo*',
      'upgrade*',
      'demo',
      'buy',
      'purchas*',
      'bulk',
      'wholesale',
      'in stock',
      'availab*',
      'plan',
      'plans',
    ],
  },
];

export const defaultFallbackLabel = 'general';

interface CompiledKeyword {
  /** Each word either exact or, when `prefix`, a prefix. */
  words: Array<{ text: string; prefix: boolean }>;
}

function compile(keyword: string): CompiledKeyword {
  const words: CompiledKeyword['words'] = [];
  for (const part of keyword.trim().split(/\s+/)) {
    // Normalised like the text, so "2FA" matches "2fa" and "e-mail" becomes "e" "mail".
    const tokens = wordTokens(normalizeText(part.replace(/\*$/, '')));
    tokens.forEach((text, i) => words.push({ text, prefix: part.endsWith('*') && i === tokens.length - 1 }));
  }
  return { words };
}

function matchesAt(tokens: readonly string[], at: number, keyword: CompiledKeyword): boolean {
  if (at + keyword.words.length > tokens.length) return false;
  return keyword.words.every(({ text, prefix }, k) =>
    prefix ? tokens[at + k].startsWith(text) : tokens[at + k] === text,
  );
}

/**
 * Scores each label by how many of its keywords occur in the text (a phrase of n words counts
 * n); the label with the highest score wins, ties going to the rule listed first. With no
 * keyword found the answer is the fallback label with confidence 0. Confidence is
 * score / (total score + 1), so one stray keyword is never "certain".
 */
export class KeywordClassifier implements TextClassifier {
  readonly kind = keywordsKind;
  readonly labels: readonly string[];
  private readonly compiled: Array<{ label: string; keywords: CompiledKeyword[] }>;

  constructor(
    readonly rules: readonly KeywordRule[],
    readonly fallbackLabel: string,
  ) {
    if (rules.length === 0) throw new RangeError('keyword rules must not be empty');
    const labels = rules.map((r) => r.label);
    if (new Set(labels).size !== labels.length) throw new RangeError('each label may have one rule only');
    if (labels.includes(fallbackLabel)) throw new RangeError('the fallback label must not have a rule');
    this.labels = [...labels, fallbackLabel];
    this.compiled = rules.map((r) => ({
      label: r.label,
      keywords: r.keywords.map(compile).filter((k) => k.words.length > 0),
    }));
  }

  predict(text: string, topK = 3): Prediction {
    const tokens = wordTokens(normalizeText(text));
    const scored = this.compiled.map(({ label, keywords }, order) => {
      let score = 0;
      for (const keyword of keywords) {
        for (let at = 0; at < tokens.length; at++) {
          if (matchesAt(tokens, at, keyword)) score += keyword.words.length;
        }
      }
      return { label, score, order };
    });
    const total = scored.reduce((sum, s) => sum + s.score, 0);
    if (total === 0) {
      return {
        label: this.fallbackLabel,
        confidence: 0,
        candidates: [{ label: this.fallbackLabel, confidence: 0 }],
      };
    }
    const candidates = scored
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score || a.order - b.order)
      .slice(0, Math.max(1, topK))
      .map((s) => ({ label: s.label, confidence: s.score / (total + 1) }));
    return { label: candidates[0].label, confidence: candidates[0].confidence, candidates };
  }

  serialize(): SerializedKeywords {
    return {
      kind: keywordsKind,
      version: 1,
      fallbackLabel: this.fallbackLabel,
      rules: this.rules.map((r) => ({ label: r.label, keywords: [...r.keywords] })),
    };
  }
}

export interface SerializedKeywords {
  kind: typeof keywordsKind;
  version: 1;
  fallbackLabel: string;
  rules: KeywordRule[];
}

/** The keyword classifier, with the default support-desk rules unless others are given. */
export function keywordClassifier(
  rules: readonly KeywordRule[] = defaultKeywordRules,
  fallbackLabel = defaultFallbackLabel,
): KeywordClassifier {
  return new KeywordClassifier(rules, fallbackLabel);
}
