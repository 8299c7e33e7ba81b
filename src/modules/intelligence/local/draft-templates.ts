/**
 * The local intelligence's reply drafts: greeting, body and sign-off in the customer's language
 * (en, es, fr, de; anything else gets English). Pure, so the wording is unit-tested.
 */
export const draftLanguages = ['en', 'es', 'fr', 'de'] as const;
export type DraftLanguage = (typeof draftLanguages)[number];
export type Tone = 'friendly' | 'formal';

interface Template {
  greet: (name: string | undefined, tone: Tone) => string;
  acknowledge: (subject: string) => string;
  signOff: string;
}

const templates: Record<DraftLanguage, Template> = {
  en: {
    greet: (name, tone) =>
      tone === 'formal' ? (name ? `Dear ${name},` : 'Hello,') : `Hi ${name ?? 'there'},`,
    acknowledge: (subject) =>
      `Thank you for getting in touch about “${subject}”. I'm looking into this now and will get back to you as soon as I can.`,
    signOff: 'Kind regards,',
  },
  es: {
    greet: (name, tone) =>
      tone === 'formal' && name ? `Estimado/a ${name}:` : name ? `Hola, ${name}:` : 'Hola:',
    acknowledge: (subject) =>
      `Gracias por escribirnos sobre «${subject}». Ya lo estoy revisando y le responderé lo antes posible.`,
    signOff: 'Un saludo,',
  },
  fr: {
    greet: (name, tone) =>
      tone === 'formal' && !name ? 'Madame, Monsieur,' : name ? `Bonjour ${name},` : 'Bonjour,',
    acknowledge: (subject) =>
      `Merci de nous avoir contactés au sujet de « ${subject} ». Je m'en occupe et je reviens vers vous dès que possible.`,
    signOff: 'Cordialement,',
  },
  de: {
    greet: (name, tone) =>
      tone === 'formal' ? (name ? `Guten Tag ${name},` : 'Guten Tag,') : name ? `Hallo ${name},` : 'Hallo,',
    acknowledge: (subject) =>
      `Vielen Dank für Ihre Nachricht zu „${subject}“. Ich kümmere mich darum und melde mich so schnell wie möglich bei Ihnen.`,
    signOff: 'Viele Grüße',
  },
};

/** `es-MX` → `es`; an unknown or missing language → `en`. */
export function draftLanguageOf(tag: string | null | undefined): DraftLanguage {
  const base = tag?.toLowerCase().split(/[-_]/)[0];
  return (draftLanguages as readonly string[]).includes(base ?? '') ? (base as DraftLanguage) : 'en';
}

/** The name to greet: the first name when friendly, the full name when formal. */
export function nameToGreet(name: string | null | undefined, tone: Tone): string | undefined {
  const clean = name?.trim().replace(/\s+/g, ' ');
  if (!clean) return undefined;
  return tone === 'formal' ? clean : clean.split(' ')[0];
}

export interface ComposeInput {
  language: DraftLanguage;
  customerName?: string | null;
  tone: Tone;
  /** The answer; when absent the draft acknowledges the issue by restating the subject. */
  answer?: string;
  subject: string;
}

export function composeDraft(input: ComposeInput): string {
  const t = templates[input.language];
  const greeting = t.greet(nameToGreet(input.customerName, input.tone), input.tone);
  const body = input.answer?.trim() || t.acknowledge(input.subject.trim());
  return `${greeting}\n\n${body}\n\n${t.signOff}`;
}

const greetingLine =
  /^(hi|hello|hey|dear|good (morning|afternoon|evening)|hola|estimad[oa]|bonjour|hallo|guten tag)\b.{0,80}$/i;
const signOffLine =
  /^(best|kind|warm|many)?\s*(regards|wishes|thanks|thank you|cheers|saludos|un saludo|cordialement|grüße|gruesse|viele grüße)[,.!]?$/i;

/**
 * Makes another ticket's agent reply reusable: drops its greeting and sign-off (they named the
 * other customer) and replaces any remaining mention of that customer's name.
 */
export function reusableAnswer(
  reply: string,
  otherCustomerName: string | null,
  customerName?: string,
): string {
  const lines = reply.replace(/\r\n/g, '\n').trim().split('\n');
  if (lines.length > 1 && greetingLine.test((lines[0] ?? '').trim())) lines.shift();
  // The sign-off and the signature under it (a short last line or two).
  for (let i = Math.max(0, lines.length - 3); i < lines.length; i++) {
    if (signOffLine.test((lines[i] ?? '').trim())) {
      lines.splice(i);
      break;
    }
  }
  let text = lines.join('\n').trim();
  const names = (otherCustomerName ?? '')
    .split(/\s+/)
    .filter((n) => n.length >= 2)
    .sort((a, b) => b.length - a.length);
  if (otherCustomerName && otherCustomerName.trim().length >= 2) names.unshift(otherCustomerName.trim());
  for (const n of names) {
    const escaped = n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    text = text.replace(new RegExp(`(?<![\\p{L}])${escaped}(?![\\p{L}])`, 'gu'), customerName ?? '');
  }
  return text
    .replace(/ {2,}/g, ' ')
    .replace(/\s+([,.!?])/g, '$1')
    .trim();
}
