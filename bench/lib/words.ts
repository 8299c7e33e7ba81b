import { Random, Weighted } from './random';

/**
 * Word lists and sentence templates for seeded tickets. Text is built from plain lower/upper
 * case words, integers and . , ? ! only, so its full-text document can be computed outside
 * Postgres from a per-word lexeme table (see search-vector.ts) and still equal what
 * to_tsvector('english', …) makes.
 *
 * Selectivity comes from the mix: a few words appear in most tickets (order, help), category
 * words in a few percent (refund, invoice), product words in fractions of a percent (zipper), and
 * a long tail of made-up brand names in a handful of tickets each.
 */

export const categories = [
  'shipping',
  'returns',
  'billing',
  'account',
  'product',
  'technical',
  'order_change',
  'wholesale',
  'fraud',
  'feedback',
] as const;
export type Category = (typeof categories)[number];

export const categoryWeights = new Weighted<Category>([
  ['shipping', 26],
  ['returns', 17],
  ['billing', 14],
  ['account', 9],
  ['product', 12],
  ['technical', 8],
  ['order_change', 8],
  ['wholesale', 2],
  ['fraud', 1.5],
  ['feedback', 2.5],
]);

export const tagsByCategory: Record<Category, string[]> = {
  shipping: ['shipping', 'delay', 'tracking', 'lost-parcel', 'address', 'international'],
  returns: ['returns', 'exchange', 'refund', 'damaged', 'wrong-item', 'size'],
  billing: ['billing', 'refund', 'double-charge', 'invoice', 'promo-code', 'payment-failed'],
  account: ['account', 'password', 'login', 'gdpr', 'email-change'],
  product: ['product', 'sizing', 'stock', 'quality', 'care'],
  technical: ['technical', 'checkout', 'app', 'bug', 'website'],
  order_change: ['order-change', 'cancel', 'address', 'upgrade'],
  wholesale: ['wholesale', 'b2b', 'bulk'],
  fraud: ['fraud', 'chargeback', 'security'],
  feedback: ['feedback', 'praise', 'complaint'],
};
export const extraTags = ['vip', 'urgent-followup', 'escalated', 'social', 'repeat-contact', 'survey'];

const items = [
  'jacket',
  'coat',
  'sweater',
  'hoodie',
  'shirt',
  'blouse',
  'dress',
  'skirt',
  'trousers',
  'jeans',
  'shorts',
  'leggings',
  'scarf',
  'hat',
  'beanie',
  'gloves',
  'socks',
  'boots',
  'sneakers',
  'sandals',
  'backpack',
  'wallet',
  'belt',
  'watch',
  'bracelet',
  'necklace',
  'earrings',
  'sunglasses',
  'umbrella',
  'blanket',
  'pillow',
  'mug',
  'kettle',
  'lamp',
  'candle',
  'towel',
  'duvet',
  'rug',
  'vase',
  'planter',
  'headphones',
  'charger',
  'speaker',
  'keyboard',
  'tripod',
  'bottle',
  'tote',
  'apron',
  'pyjamas',
  'parka',
];
const materials = [
  'wool',
  'cotton',
  'linen',
  'leather',
  'denim',
  'cashmere',
  'silk',
  'suede',
  'bamboo',
  'merino',
  'canvas',
  'ceramic',
  'glass',
  'oak',
  'steel',
  'velvet',
  'corduroy',
  'fleece',
  'nylon',
  'hemp',
];
const colours = [
  'black',
  'white',
  'navy',
  'grey',
  'beige',
  'olive',
  'burgundy',
  'mustard',
  'teal',
  'coral',
  'charcoal',
  'ivory',
  'rust',
  'sage',
  'lilac',
  'cobalt',
  'sand',
  'forest',
  'plum',
  'cream',
];
const parts = [
  'zipper',
  'button',
  'seam',
  'strap',
  'buckle',
  'sole',
  'lining',
  'hood',
  'pocket',
  'cuff',
  'collar',
  'handle',
  'lid',
  'cable',
  'hinge',
  'clasp',
  'drawstring',
  'hem',
  'stitching',
  'label',
];
const defects = [
  'broken',
  'torn',
  'stained',
  'faded',
  'cracked',
  'scratched',
  'missing',
  'loose',
  'ripped',
  'dented',
  'shrunk',
  'peeling',
  'frayed',
  'bent',
  'leaking',
];
const carriers = ['DHL', 'UPS', 'FedEx', 'Royal Mail', 'Hermes', 'DPD', 'Colissimo', 'PostNL', 'Canada Post'];
const cities = [
  'London',
  'Paris',
  'Berlin',
  'Madrid',
  'Toronto',
  'Chicago',
  'Austin',
  'Dublin',
  'Lisbon',
  'Vienna',
  'Oslo',
  'Denver',
  'Seattle',
  'Sydney',
  'Melbourne',
  'Auckland',
  'Leeds',
  'Lyon',
  'Munich',
  'Porto',
];
const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const payment = ['card', 'PayPal', 'Klarna', 'Apple Pay', 'gift card', 'bank transfer', 'store credit'];
const devices = ['iPhone', 'Android phone', 'laptop', 'tablet', 'desktop'];
const browsers = ['Chrome', 'Safari', 'Firefox', 'Edge'];

/** Made-up brand names: a long tail of rare words (about 3,000, Zipf-distributed). */
const syllables = [
  'ka',
  'lo',
  'mi',
  'ra',
  'ven',
  'tor',
  'sel',
  'quin',
  'dar',
  'bel',
  'nor',
  'vix',
  'ze',
  'pal',
  'tro',
  'lum',
  'sha',
  'gor',
  'fen',
  'wyn',
  'bri',
  'cas',
  'dru',
  'el',
  'fal',
  'hal',
  'jor',
  'kel',
  'mor',
  'nex',
];
export const brands: string[] = (() => {
  const out = new Set<string>();
  const rng = new Random(7);
  while (out.size < 3000) {
    const n = rng.int(2, 3);
    let w = '';
    for (let i = 0; i < n; i++) w += rng.pick(syllables);
    if (w.length >= 5) out.add(w[0]?.toUpperCase() + w.slice(1));
  }
  return [...out];
})();

export const firstNames = [
  'Maria',
  'John',
  'Amelie',
  'Kenji',
  'Olivia',
  'Lukas',
  'Sofia',
  'Liam',
  'Emma',
  'Noah',
  'Ava',
  'Mateo',
  'Mia',
  'Lucas',
  'Chloe',
  'Ethan',
  'Zoe',
  'Arjun',
  'Priya',
  'Chen',
  'Wei',
  'Fatima',
  'Omar',
  'Elena',
  'Marco',
  'Giulia',
  'Hannah',
  'Jonas',
  'Freya',
  'Oscar',
  'Ines',
  'Tomas',
  'Nora',
  'Felix',
  'Aisha',
  'Yuki',
];
export const lastNames = [
  'Garcia',
  'Smith',
  'Durand',
  'Sato',
  'Brown',
  'Mueller',
  'Rossi',
  'Jones',
  'Martin',
  'Lee',
  'Nguyen',
  'Kim',
  'Patel',
  'Silva',
  'Novak',
  'Kowalski',
  'Jensen',
  'Larsen',
  'Murphy',
  'Walsh',
  'Dubois',
  'Moreau',
  'Fischer',
  'Weber',
  'Costa',
  'Lopez',
  'Khan',
  'Ali',
  'Tanaka',
  'Suzuki',
  'Wilson',
  'Taylor',
  'Evans',
];

const greetings = ['Hi', 'Hello', 'Hey there', 'Good morning', 'Dear team', 'Hi team', 'Hello support'];
const signoffs = [
  'Thanks',
  'Thank you',
  'Many thanks',
  'Kind regards',
  'Best',
  'Cheers',
  'Thanks in advance',
  'Looking forward to your reply',
];
const agentOpeners = [
  'Thanks for reaching out.',
  'Sorry for the trouble.',
  'Thank you for your patience.',
  'I am sorry to hear that.',
  'Thanks for getting in touch.',
  'Apologies for the inconvenience.',
];
const agentClosers = [
  'Let me know if there is anything else I can do.',
  'Have a lovely day.',
  'We are here if you need anything.',
  'I will keep an eye on this for you.',
  'Feel free to reply to this message with any questions.',
];

type Slots = Record<string, () => string>;

export class TextGenerator {
  private readonly brandPick: () => string;
  private readonly slots: Slots;

  constructor(private readonly rng: Random) {
    this.brandPick = () => brands[rng.skewedIndex(brands.length, 3)] as string;
    const r = rng;
    this.slots = {
      item: () => r.pick(items),
      material: () => r.pick(materials),
      colour: () => r.pick(colours),
      part: () => r.pick(parts),
      defect: () => r.pick(defects),
      carrier: () => r.pick(carriers),
      city: () => r.pick(cities),
      day: () => r.pick(weekdays),
      pay: () => r.pick(payment),
      device: () => r.pick(devices),
      browser: () => r.pick(browsers),
      brand: () => this.brandPick(),
      order: () => String(r.int(1001, 99999)),
      n: () => String(r.int(2, 14)),
      amount: () => String(r.int(9, 400)),
      size: () => r.pick(['XS', 'S', 'M', 'L', 'XL', 'XXL', 'small', 'medium', 'large']),
    };
  }

  private fill(template: string): string {
    return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const slot = this.slots[name];
      if (!slot) throw new Error(`unknown slot {${name}}`);
      return slot();
    });
  }

  subject(category: Category): string {
    return this.fill(this.rng.pick(subjects[category]));
  }

  customerMessage(category: Category, followUp: boolean): string {
    const r = this.rng;
    const lines: string[] = [];
    if (r.chance(0.6)) lines.push(`${r.pick(greetings)},`);
    const pool = followUp ? followUps : customerSentences[category];
    const n = followUp ? r.int(1, 2) : r.int(2, 4);
    const body: string[] = [];
    for (let i = 0; i < n; i++)
      body.push(this.fill(r.pick(i === 0 || !followUp ? pool : customerSentences[category])));
    if (r.chance(0.35)) body.push(this.fill(r.pick(generalSentences)));
    lines.push(body.join(' '));
    if (r.chance(0.7)) lines.push(`${r.pick(signoffs)}, ${r.pick(firstNames)}`);
    return lines.join('\n\n');
  }

  agentMessage(category: Category, agentFirstName: string): string {
    const r = this.rng;
    const body = [r.pick(agentOpeners)];
    const n = r.int(1, 3);
    for (let i = 0; i < n; i++) body.push(this.fill(r.pick(agentSentences[category])));
    if (r.chance(0.5)) body.push(r.pick(agentClosers));
    return `Hi ${r.pick(firstNames)},\n\n${body.join(' ')}\n\n${agentFirstName}`;
  }

  internalNote(category: Category): string {
    return this.fill(this.rng.pick(notes[category] ?? genericNotes));
  }
}

const subjects: Record<Category, string[]> = {
  shipping: [
    'Where is my order {order}?',
    'Order {order} not delivered',
    'Tracking has not updated for {n} days',
    'Parcel stuck in {city}',
    'Delivery delayed with {carrier}',
    'When will my {item} arrive?',
    'Package marked delivered but not received',
    'Shipping to {city} taking too long',
  ],
  returns: [
    'Return for order {order}',
    'Exchange {item} for size {size}',
    '{item} arrived {defect}',
    'Wrong {item} in my parcel',
    'How do I return my {material} {item}?',
    'Refund for returned {item}',
    'Damaged package from {carrier}',
  ],
  billing: [
    'Charged twice for order {order}',
    'Refund not received yet',
    'Invoice for order {order}',
    'Promo code not applied',
    'Payment failed with {pay}',
    'Question about my bill',
    'VAT receipt needed',
  ],
  account: [
    'Cannot log in to my account',
    'Password reset email never arrives',
    'Change the email on my account',
    'Delete my account and data',
    'Account locked after too many attempts',
    'Update my delivery address',
  ],
  product: [
    'Is the {brand} {item} true to size?',
    'When is the {colour} {item} back in stock?',
    'Care instructions for {material} {item}',
    'Question about the {brand} {material} {item}',
    '{brand} {item} quality issue',
    'Difference between {brand} and {brand}',
  ],
  technical: [
    'Checkout error on {browser}',
    'App crashes on my {device}',
    'Cannot add {item} to the basket',
    'Website very slow today',
    'Discount code field missing at checkout',
    'Page error when paying by {pay}',
  ],
  order_change: [
    'Cancel order {order}',
    'Change the address on order {order}',
    'Add a {item} to my order',
    'Upgrade shipping on order {order}',
    'Change size of {item} before it ships',
  ],
  wholesale: [
    'Wholesale pricing for {brand} {item}',
    'Bulk order of {n} hundred {item}',
    'Stockist application from {city}',
  ],
  fraud: [
    'Order I did not place',
    'Suspicious charge on my card',
    'Someone used my account',
    'Chargeback for order {order}',
  ],
  feedback: [
    'Love my new {item}',
    'Great service from your team',
    'Disappointed with the {brand} {item}',
    'Suggestion for your website',
    'Complaint about delivery',
  ],
};

const customerSentences: Record<Category, string[]> = {
  shipping: [
    'I ordered a {colour} {item} {n} days ago and the tracking has not moved since {day}.',
    'The {carrier} page says the parcel is held in {city} and nobody can tell me why.',
    'My order {order} was supposed to arrive on {day} but it still has not shown up.',
    'The tracking number you sent does not work on the {carrier} website.',
    'It says delivered but there is no package at my door or with my neighbours.',
    'I need the {item} before the weekend because it is a gift.',
    'Can you check with the courier what is going on with the shipment?',
  ],
  returns: [
    'The {item} arrived with a {defect} {part} and I would like a replacement.',
    'I received the wrong {item}, I ordered {colour} but got a different colour.',
    'The {material} {item} is too small, can I exchange it for a size {size}?',
    'I sent the return back {n} days ago with {carrier} and have not heard anything.',
    'The box was crushed and the {item} inside is {defect}.',
    'How long does a refund take once you receive the return?',
    'I would like to return the {brand} {item} from order {order}.',
  ],
  billing: [
    'I was charged twice for order {order}, once on {day} and again the next day.',
    'The refund of {amount} dollars has still not reached my {pay}.',
    'Could you send me an invoice with my company name for order {order}?',
    'The promo code did not apply at checkout and I paid full price.',
    'My payment with {pay} failed but the money left my account.',
    'Please explain the extra charge of {amount} dollars on my statement.',
  ],
  account: [
    'I cannot log in, it says my password is wrong even after a reset.',
    'The password reset email never arrives, I checked the spam folder too.',
    'Please change the email address on my account to my new one.',
    'I would like you to delete my account and all my personal data.',
    'My account got locked and I need to place an order today.',
  ],
  product: [
    'Does the {brand} {item} run small or is it true to size?',
    'When will the {colour} {material} {item} be back in stock?',
    'How should I wash the {material} {item} without it shrinking?',
    'Is the {brand} {item} suitable for cold weather in {city}?',
    'The {part} on my {brand} {item} feels {defect} after two weeks.',
    'What is the difference between the {brand} and the {brand} {item}?',
  ],
  technical: [
    'The checkout page shows an error on {browser} when I press pay.',
    'Your app crashes every time I open my basket on my {device}.',
    'I cannot add the {item} to my basket, the button does nothing.',
    'The website is extremely slow and keeps timing out.',
    'Paying with {pay} gives me a blank page.',
  ],
  order_change: [
    'Please cancel order {order}, I ordered the wrong size.',
    'I moved to {city}, can you change the address on order {order}?',
    'Can I add a {colour} {item} to the order I placed this morning?',
    'I would like to upgrade to express shipping if it has not left yet.',
  ],
  wholesale: [
    'We run a shop in {city} and would like to stock the {brand} range.',
    'What are your wholesale prices for {n} hundred {item} units?',
    'Do you offer net payment terms for business customers?',
  ],
  fraud: [
    'There is an order on my card that I did not place.',
    'Someone changed my password and ordered a {item} to {city}.',
    'My bank flagged a charge of {amount} dollars from your store.',
  ],
  feedback: [
    'Just wanted to say the {brand} {item} is wonderful and arrived quickly.',
    'Your team was really helpful last week, thank you.',
    'I am disappointed, the {item} looked much better in the photos.',
    'It would be great if the website had a size guide for every {item}.',
  ],
};

const followUps = [
  'Any update on this?',
  'I am still waiting for an answer.',
  'Thanks, that worked!',
  'I have attached a photo of the {defect} {part}.',
  'It still has not arrived.',
  'Can you please escalate this?',
  'The tracking now shows it in {city}.',
  'That is fine, please go ahead.',
  'I tried again on {browser} and it still fails.',
  'The refund has arrived, thank you.',
  'Could you confirm the new delivery date?',
  'My order number is {order}.',
];

const generalSentences = [
  'This is the second time I have had to contact you.',
  'I have been a customer for years.',
  'Please help as soon as possible.',
  'I would appreciate a quick reply.',
  'My order number is {order}.',
  'I am really frustrated with this.',
  'Hope you can sort this out.',
];

const agentSentences: Record<Category, string[]> = {
  shipping: [
    'I checked with {carrier} and your parcel is in {city}; it should be delivered within {n} days.',
    'I have opened an investigation with the carrier about order {order}.',
    'Your order left our warehouse on {day} and the tracking will update shortly.',
    'If it does not arrive by {day} we will send a replacement at no cost.',
  ],
  returns: [
    'I have sent you a prepaid return label for the {item}.',
    'A replacement {item} in size {size} is on its way.',
    'Your refund of {amount} dollars has been issued and should appear within {n} business days.',
    'Please keep the {defect} {item}, there is no need to send it back.',
  ],
  billing: [
    'I can see the duplicate charge and have refunded it today.',
    'The invoice for order {order} is attached to this message.',
    'I have applied the promo code and refunded the difference of {amount} dollars.',
    'The failed payment was only an authorisation and will be released by your bank.',
  ],
  account: [
    'I have reset your password, please check your inbox.',
    'Your email address has been updated.',
    'Your deletion request is confirmed and will be completed within {n} days.',
    'I have unlocked your account, you can log in again now.',
  ],
  product: [
    'The {brand} {item} fits true to size; if you are between sizes take the larger one.',
    'The {colour} {item} should be back in stock in about {n} weeks.',
    'We recommend a cold gentle wash for {material} and drying flat.',
  ],
  technical: [
    'Our developers fixed the checkout issue this morning, please try again.',
    'Could you clear your {browser} cache and try once more?',
    'We released an app update that fixes the crash on {device}.',
  ],
  order_change: [
    'I have cancelled order {order} and the refund is on its way.',
    'The address on order {order} has been updated to {city}.',
    'I added the {item} to your order and upgraded the shipping.',
  ],
  wholesale: [
    'I have passed your details to our wholesale team who will be in touch.',
    'Our minimum wholesale order is {n} hundred units.',
  ],
  fraud: [
    'I have cancelled the order and secured your account.',
    'Our fraud team is reviewing the charge and will contact you within {n} days.',
  ],
  feedback: [
    'Thank you so much for the kind words, I will share them with the team.',
    'Thanks for the suggestion.',
  ],
};

const genericNotes = ['Checked the order history, nothing unusual.', 'Waiting on the warehouse.'];
const notes: Partial<Record<Category, string[]>> = {
  shipping: ['Carrier claim opened for {order}.', 'Customer is VIP, offer express replacement.'],
  returns: [
    'Approved refund without return, photo shows {defect} {part}.',
    'Second defect this month for {brand}.',
  ],
  billing: ['Duplicate charge confirmed in the payment dashboard.', 'Escalated to finance.'],
  account: ['Identity verified by email.'],
  fraud: ['Flagged for the fraud team, do not ship.'],
};
