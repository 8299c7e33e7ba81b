export interface MentionableAgent {
  id: string;
  name: string;
  email: string;
}

const handleChar = /[a-z0-9_-]/;

/**
 * The agents a note mentions with `@handle`, where a handle is an agent's email, the local part of
 * it, their full name, or the name without spaces / with dots (`@alice@example.com`, `@alice`,
 * `@Alice Martin`, `@alicemartin`, `@alice.martin`). Case-insensitive. At each `@` the longest
 * handle wins, so `@Alice Martin` names Alice Martin, not another agent called `alice`.
 */
export function findMentionedAgents(body: string, agents: MentionableAgent[]): string[] {
  const text = body.toLowerCase();
  const handles: Array<{ handle: string; id: string }> = [];
  for (const a of agents) {
    const name = a.name.toLowerCase().trim().replace(/\s+/g, ' ');
    const email = a.email.toLowerCase();
    const local = email.split('@')[0] ?? '';
    for (const h of new Set([email, local, name, name.replace(/ /g, ''), name.replace(/ /g, '.')])) {
      if (h.length >= 2) handles.push({ handle: h, id: a.id });
    }
  }
  handles.sort((x, y) => y.handle.length - x.handle.length);

  const found = new Set<string>();
  for (let i = text.indexOf('@'); i !== -1; i = text.indexOf('@', i + 1)) {
    const before = i > 0 ? text.charAt(i - 1) : ' ';
    if (handleChar.test(before) || before === '.' || before === '@') continue; // part of an email
    const rest = text.slice(i + 1);
    const hit = handles.find((h) => rest.startsWith(h.handle) && endsHandle(rest, h.handle.length));
    if (hit) found.add(hit.id);
  }
  return [...found];
}

/** A handle ends at the end of text, at a non-handle character, or at a full stop closing a sentence. */
function endsHandle(rest: string, at: number): boolean {
  const next = rest.charAt(at);
  if (next === '') return true;
  if (next === '.' || next === '@') return !handleChar.test(rest.charAt(at + 1));
  return !handleChar.test(next);
}
