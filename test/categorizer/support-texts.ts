import { SeededRandom } from '../../src/modules/intelligence/categorizer/random';
import type { LabelledText } from '../../src/modules/intelligence/categorizer/text-classifier';

/** Phrases that point to each label; sentences are built by mixing them with neutral filler. */
const cues: Record<string, string[]> = {
  billing: [
    'I was charged twice on my invoice',
    'my credit card was billed the wrong amount',
    'the payment went through two times',
    'why is there an extra fee on my bill',
    'please send me a copy of the invoice',
    'the subscription charge is higher than expected',
  ],
  shipping: [
    'my parcel has not arrived yet',
    'the tracking number does not update',
    'when will the package be delivered',
    'the courier left no delivery note',
    'the order is stuck in transit',
    'can you ship it to another address',
  ],
  returns: [
    'I would like to return these shoes',
    'how do I send the jacket back for a refund',
    'the item arrived damaged and I want my money back',
    'can I exchange it for a larger size',
    'I need a return label',
    'the refund for my return has not shown up',
  ],
  technical: [
    'the app crashes when I open it',
    'I get an error message on the website',
    'the page keeps freezing on checkout',
    'the mobile app will not sync my data',
    'the download button is broken',
    'the site shows a blank screen after the update',
  ],
};

const openers = ['Hi,', 'Hello team,', 'Good morning.', '', 'Hey there,', 'Dear support,'];
const closers = ['Thanks.', 'Please help.', 'Regards, Sam', '', 'Thank you in advance!', 'Cheers'];

/** `perLabel` deterministic texts for each of the four support labels. */
export function supportTexts(perLabel: number, seed = 7): LabelledText[] {
  const random = new SeededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[random.int(items.length)];
  const out: LabelledText[] = [];
  for (const [label, phrases] of Object.entries(cues)) {
    for (let i = 0; i < perLabel; i++) {
      const text = [pick(openers), pick(phrases), random.next() < 0.5 ? pick(phrases) : '', pick(closers)]
        .filter(Boolean)
        .join(' ');
      out.push({ text, label });
    }
  }
  return out;
}

export const supportLabels = Object.keys(cues).sort();
