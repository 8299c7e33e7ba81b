import type { Client } from 'pg';

/**
 * Builds a ticket's `search_vector` in Node, equal to what the schema's
 * ticket_search_document(subject, id) computes:
 *   setweight(to_tsvector('english', subject), 'A') ||
 *   setweight(to_tsvector('english', string_agg(public message bodies, ' ' ORDER BY created_at)), 'B')
 *
 * Seeded text holds only words, integers and . , ? ! (see words.ts), which Postgres' parser
 * splits exactly like the regex below; every token takes a position (stop words too), and `||`
 * shifts the right-hand positions by the largest position the left-hand vector mentions. The
 * stem of each distinct word is asked of Postgres once (to_tsvector on the word alone), so
 * stemming and stop words are Postgres' own. The seeder checks a sample against the SQL
 * function after loading.
 */
const tokenPattern = /[A-Za-z]+|[0-9]+/g;
const maxPosition = 16383;
const tokens = (text: string): string[] => text.match(tokenPattern) ?? [];
const isNumber = (token: string): boolean => token.charCodeAt(0) <= 57;

export class LexemeTable {
  private readonly lexemes = new Map<string, string>();

  /** Words of these texts whose lexeme is not known yet. */
  unknownWords(texts: Iterable<string>, into = new Set<string>()): Set<string> {
    for (const text of texts) {
      for (const token of tokens(text)) {
        const word = token.toLowerCase();
        if (!this.lexemes.has(word) && !isNumber(word)) into.add(word);
      }
    }
    return into;
  }

  /** Asks Postgres for the lexemes of these words ('' for a stop word). */
  async resolve(client: Client, words: Set<string>): Promise<void> {
    if (words.size === 0) return;
    const { rows } = await client.query<{ w: string; lexemes: string[] | null }>(
      `SELECT w, (SELECT array_agg(lexeme) FROM unnest(to_tsvector('english', w))) AS lexemes
         FROM unnest($1::text[]) AS w`,
      [[...words]],
    );
    for (const { w, lexemes } of rows) {
      if (lexemes && lexemes.length > 1) throw new Error(`word "${w}" makes ${lexemes.length} lexemes`);
      this.lexemes.set(w, lexemes?.[0] ?? '');
    }
  }

  private lexeme(token: string): string {
    if (isNumber(token)) return token;
    const found = this.lexemes.get(token) ?? this.lexemes.get(token.toLowerCase());
    if (found === undefined) throw new Error(`lexeme of "${token}" not resolved`);
    return found;
  }

  /** The tsvector literal (text form) of a ticket's subject and its public message bodies. */
  vector(subject: string, publicBodies: string[]): string {
    const positions = new Map<string, string[]>();
    const add = (lexeme: string, pos: number, weight: 'A' | 'B') => {
      const at = Math.min(pos, maxPosition);
      const list = positions.get(lexeme);
      if (list) {
        if (list.length < 256) list.push(`${at}${weight}`);
      } else positions.set(lexeme, [`${at}${weight}`]);
    };
    let pos = 0;
    let maxMentioned = 0;
    for (const token of tokens(subject)) {
      pos++;
      const lexeme = this.lexeme(token);
      if (lexeme) {
        add(lexeme, pos, 'A');
        maxMentioned = Math.min(pos, maxPosition);
      }
    }
    pos = 0;
    for (const body of publicBodies) {
      for (const token of tokens(body)) {
        pos++;
        const lexeme = this.lexeme(token);
        if (lexeme) add(lexeme, maxMentioned + Math.min(pos, maxPosition), 'B');
      }
    }
    const parts: string[] = [];
    for (const [lexeme, list] of positions) parts.push(`'${lexeme.replace(/'/g, "''")}':${list.join(',')}`);
    return parts.join(' ');
  }
}
