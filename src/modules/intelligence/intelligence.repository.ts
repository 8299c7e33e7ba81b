import type { DataSource, EntityManager } from 'typeorm';
import { sql } from '../../platform/db/sql';
import type { LabelledText } from './local/classifier.port';
import type { ChurnPrediction, CustomerDna, DraftMessage } from './quimbi/quimbi.contract';
import type { IntelligenceSource } from './quimbi/quimbi.client';

export interface MessageFingerprint {
  count: number;
  lastMessageId: string | null;
  lastChangedAt: Date | null;
}

export interface SimilarReply {
  ticketId: string;
  reply: string;
  customerName: string | null;
  /** 0..1 (ts_rank normalised by rank/(rank+1)) */
  score: number;
}

export interface TicketActivity {
  ticketsLast90Days: number;
  unresolvedTickets: number;
  /** Proxy for missed SLAs when no SLA source is wired: unanswered for a day, or first answered after a day. */
  slowTickets: number;
}

export interface CategorisationInput {
  subject: string;
  body: string;
  category: string | null;
  suggestedCategory: string | null;
}

export interface StoredModel {
  version: number;
  model: unknown;
}

/** Every query of the intelligence module. */
export class IntelligenceRepository {
  constructor(private readonly db: DataSource) {}

  /** What identifies a conversation's state: a new, edited or deleted public message changes it. */
  async messageFingerprint(ticketId: string): Promise<MessageFingerprint> {
    const rows = await sql<{ n: string; last_id: string | null; changed: Date | null }>(
      this.db,
      `SELECT count(*) FILTER (WHERE deleted_at IS NULL) AS n,
              (array_agg(id ORDER BY created_at DESC, id DESC) FILTER (WHERE deleted_at IS NULL))[1] AS last_id,
              max(greatest(updated_at, deleted_at)) AS changed
         FROM messages WHERE ticket_id = $1 AND NOT internal`,
      [ticketId],
    );
    const r = rows[0];
    return {
      count: Number(r?.n ?? 0),
      lastMessageId: r?.last_id ?? null,
      lastChangedAt: r?.changed ?? null,
    };
  }

  /** The conversation as the draft contract wants it: public, live messages, oldest first. */
  async conversation(ticketId: string, limit: number): Promise<DraftMessage[]> {
    const rows = await sql<{ author_type: 'agent' | 'customer'; body: string; created_at: Date }>(
      this.db,
      `SELECT author_type, body, created_at FROM (
         SELECT author_type, body, created_at, id FROM messages
          WHERE ticket_id = $1 AND deleted_at IS NULL AND NOT internal
          ORDER BY created_at DESC, id DESC LIMIT $2) m
        ORDER BY created_at, id`,
      [ticketId, limit],
    );
    return rows.map((r) => ({ role: r.author_type, body: r.body, at: r.created_at.toISOString() }));
  }

  /**
   * The first public agent reply of the solved ticket most similar to `text`: candidates come
   * from the full-text index (any shared word), then are ranked by the subject and the
   * customer's own messages — what the customer asked, not what the agent answered.
   */
  async similarSolvedReply(ticketId: string, text: string): Promise<SimilarReply | null> {
    const rows = await sql<{ id: string; reply: string; customer_name: string | null; score: number }>(
      this.db,
      `WITH terms AS (
           SELECT lexeme FROM unnest(to_tsvector('english', $2))
            ORDER BY coalesce(array_length(positions, 1), 1) DESC, lexeme LIMIT 32
         ), q AS (
           SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) AS query FROM terms
         ), candidates AS (
           SELECT t.id, t.subject, t.customer_id FROM tickets t, q
            WHERE q.query IS NOT NULL AND t.search_vector @@ q.query
              AND t.status IN ('solved', 'closed') AND t.deleted_at IS NULL AND t.id <> $1
            ORDER BY ts_rank(t.search_vector, q.query) DESC LIMIT 50
         )
         SELECT c.id, r.body AS reply, cu.name AS customer_name,
                ts_rank(setweight(to_tsvector('english', c.subject), 'A') ||
                        setweight(to_tsvector('english', coalesce(cm.text, '')), 'B'), q.query, 32) AS score
           FROM candidates c CROSS JOIN q
           JOIN customers cu ON cu.id = c.customer_id
           JOIN LATERAL (
             SELECT m.body FROM messages m
              WHERE m.ticket_id = c.id AND m.author_type = 'agent' AND NOT m.internal AND m.deleted_at IS NULL
              ORDER BY m.created_at, m.id LIMIT 1) r ON true
           LEFT JOIN LATERAL (
             SELECT string_agg(m.body, ' ') AS text FROM messages m
              WHERE m.ticket_id = c.id AND m.author_type = 'customer' AND NOT m.internal AND m.deleted_at IS NULL) cm ON true
          ORDER BY score DESC, c.id LIMIT 1`,
      [ticketId, text.slice(0, 20_000)],
    );
    const r = rows[0];
    return r
      ? { ticketId: r.id, reply: r.reply, customerName: r.customer_name, score: Number(r.score) }
      : null;
  }

  async ticketActivity(customerId: string): Promise<TicketActivity> {
    const rows = await sql<{ recent: string; unresolved: string; slow: string }>(
      this.db,
      `SELECT count(*) FILTER (WHERE created_at >= now() - interval '90 days') AS recent,
              count(*) FILTER (WHERE status NOT IN ('solved', 'closed')) AS unresolved,
              count(*) FILTER (WHERE created_at >= now() - interval '90 days' AND (
                (first_responded_at IS NULL AND status NOT IN ('solved', 'closed') AND created_at < now() - interval '24 hours')
                OR first_responded_at - created_at > interval '24 hours')) AS slow
         FROM tickets WHERE customer_id = $1 AND deleted_at IS NULL`,
      [customerId],
    );
    const r = rows[0];
    return {
      ticketsLast90Days: Number(r?.recent ?? 0),
      unresolvedTickets: Number(r?.unresolved ?? 0),
      slowTickets: Number(r?.slow ?? 0),
    };
  }

  async categorisationInput(ticketId: string): Promise<CategorisationInput | null> {
    const rows = await sql<{
      subject: string;
      body: string | null;
      category: string | null;
      suggested_category: string | null;
    }>(
      this.db,
      `SELECT t.subject, t.category, t.suggested_category, fm.body
           FROM tickets t
           LEFT JOIN LATERAL (
             SELECT m.body FROM messages m
              WHERE m.ticket_id = t.id AND m.author_type = 'customer' AND NOT m.internal AND m.deleted_at IS NULL
              ORDER BY m.created_at, m.id LIMIT 1) fm ON true
          WHERE t.id = $1 AND t.deleted_at IS NULL`,
      [ticketId],
    );
    const r = rows[0];
    return r
      ? {
          subject: r.subject,
          body: r.body ?? '',
          category: r.category,
          suggestedCategory: r.suggested_category,
        }
      : null;
  }

  /**
   * Stores the suggestion; when `apply` and the ticket still has no category, also sets the
   * category (marked automatic). Returns whether the category was set — race-free against an
   * agent choosing one at the same moment.
   */
  async saveSuggestion(
    ticketId: string,
    category: string,
    confidence: number,
    apply: boolean,
  ): Promise<boolean> {
    const rows = await sql<{ applied: boolean }>(
      this.db,
      `WITH before AS (SELECT id, category FROM tickets WHERE id = $1 AND deleted_at IS NULL FOR UPDATE)
       UPDATE tickets t SET suggested_category = $2, suggested_category_confidence = $3,
              category = CASE WHEN $4 AND before.category IS NULL THEN $2 ELSE t.category END,
              category_auto = CASE WHEN $4 AND before.category IS NULL THEN true ELSE t.category_auto END
         FROM before WHERE t.id = before.id
       RETURNING ($4 AND before.category IS NULL) AS applied`,
      [ticketId, category, confidence, apply],
    );
    return rows[0]?.applied ?? false;
  }

  async suggestion(ticketId: string): Promise<{ category: string; confidence: number } | null> {
    const rows = await sql<{
      suggested_category: string | null;
      suggested_category_confidence: number | null;
    }>(this.db, `SELECT suggested_category, suggested_category_confidence FROM tickets WHERE id = $1`, [
      ticketId,
    ]);
    const r = rows[0];
    return r?.suggested_category
      ? { category: r.suggested_category, confidence: Number(r.suggested_category_confidence ?? 0) }
      : null;
  }

  /** A person chose the category: it is theirs now, and a training example. */
  async markCategoryManual(tx: EntityManager, ticketId: string): Promise<void> {
    await tx.query(`UPDATE tickets SET category_auto = false WHERE id = $1 AND category_auto`, [ticketId]);
  }

  /** Categories chosen by people (never the categoriser's own), newest first. */
  async trainingExamples(limit: number): Promise<LabelledText[]> {
    const rows = await sql<{ label: string; text: string }>(
      this.db,
      `SELECT t.category AS label, t.subject || E'\\n' || coalesce(fm.body, '') AS text
         FROM tickets t
         LEFT JOIN LATERAL (
           SELECT m.body FROM messages m
            WHERE m.ticket_id = t.id AND m.author_type = 'customer' AND NOT m.internal AND m.deleted_at IS NULL
            ORDER BY m.created_at, m.id LIMIT 1) fm ON true
        WHERE t.category IS NOT NULL AND NOT t.category_auto AND t.deleted_at IS NULL
        ORDER BY t.created_at DESC LIMIT $1`,
      [limit],
    );
    return rows;
  }

  async saveModel(
    name: string,
    model: unknown,
    exampleCount: number,
    labels: readonly string[],
  ): Promise<number> {
    const rows = await sql<{ version: number }>(
      this.db,
      `INSERT INTO intelligence_models AS m (name, version, example_count, labels, model, trained_at)
       VALUES ($1, 1, $2, $3, $4, now())
       ON CONFLICT (name) DO UPDATE SET version = m.version + 1, example_count = $2, labels = $3, model = $4, trained_at = now()
       RETURNING version`,
      [name, exampleCount, [...labels], JSON.stringify(model)],
    );
    return rows[0]?.version ?? 0;
  }

  async modelVersion(name: string): Promise<number | null> {
    const rows = await sql<{ version: number }>(
      this.db,
      `SELECT version FROM intelligence_models WHERE name = $1`,
      [name],
    );
    return rows[0]?.version ?? null;
  }

  async loadModel(name: string): Promise<StoredModel | null> {
    const rows = await sql<{ version: number; model: unknown }>(
      this.db,
      `SELECT version, model FROM intelligence_models WHERE name = $1`,
      [name],
    );
    return rows[0] ?? null;
  }

  /**
   * Records a customer's freshly computed churn and value, and copies the value (churn
   * probability × lifetime value) onto their live tickets for the smart ordering — one
   * statement per customer, never per ticket read.
   */
  async recordInsights(
    customerId: string,
    dna: CustomerDna,
    churn: ChurnPrediction,
    source: IntelligenceSource,
  ): Promise<number> {
    const value = Math.round(churn.probability * dna.lifetimeValue * 100) / 100;
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO customer_insights AS ci (customer_id, churn_probability, churn_risk_level, lifetime_value, currency,
                                             archetype, customer_value, source, computed_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, now() WHERE EXISTS (SELECT 1 FROM customers WHERE id = $1)
         ON CONFLICT (customer_id) DO UPDATE SET churn_probability = $2, churn_risk_level = $3, lifetime_value = $4,
           currency = $5, archetype = $6, customer_value = $7, source = $8, computed_at = now()`,
        [
          customerId,
          churn.probability,
          churn.riskLevel,
          dna.lifetimeValue,
          dna.currency,
          dna.archetype,
          value,
          source,
        ],
      );
      await tx.query(
        `UPDATE tickets SET customer_value = $2
          WHERE customer_id = $1 AND deleted_at IS NULL AND customer_value IS DISTINCT FROM $2`,
        [customerId, value],
      );
    });
    return value;
  }

  /** A new ticket starts with its customer's last known value (0 when none is known). */
  async applyKnownCustomerValue(tx: EntityManager, ticketId: string, customerId: string): Promise<void> {
    await tx.query(
      `UPDATE tickets t SET customer_value = ci.customer_value
         FROM customer_insights ci
        WHERE t.id = $1 AND ci.customer_id = $2 AND ci.customer_value <> 0`,
      [ticketId, customerId],
    );
  }

  /** The churn risk last computed for a customer (kept in Postgres, unlike the expiring cache). */
  async lastKnownChurn(
    customerId: string,
  ): Promise<{ probability: number; riskLevel: 'low' | 'medium' | 'high' } | null> {
    const rows = await sql<{ probability: number; risk_level: 'low' | 'medium' | 'high' }>(
      this.db,
      `SELECT churn_probability AS probability, churn_risk_level AS risk_level FROM customer_insights WHERE customer_id = $1`,
      [customerId],
    );
    const row = rows[0];
    return row ? { probability: row.probability, riskLevel: row.risk_level } : null;
  }

  /** Erasure: drops the stored insights and returns the customer's ticket ids (for the cache). */
  async forgetCustomer(customerId: string): Promise<string[]> {
    await this.db.query(`DELETE FROM customer_insights WHERE customer_id = $1`, [customerId]);
    await this.db.query(
      `UPDATE tickets SET customer_value = 0 WHERE customer_id = $1 AND customer_value <> 0`,
      [customerId],
    );
    const rows = await sql<{ id: string }>(this.db, `SELECT id FROM tickets WHERE customer_id = $1`, [
      customerId,
    ]);
    return rows.map((r) => r.id);
  }

  /** Customers at high churn risk, most likely first (the churn report). */
  async highChurnRisk(
    limit: number,
  ): Promise<Array<{ customerId: string; probability: number; lifetimeValue: number; currency: string }>> {
    const rows = await sql<{
      customer_id: string;
      probability: number;
      lifetime_value: number;
      currency: string;
    }>(
      this.db,
      `SELECT customer_id, churn_probability AS probability, lifetime_value, currency
         FROM customer_insights WHERE churn_risk_level = 'high'
        ORDER BY churn_probability DESC, customer_id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      customerId: r.customer_id,
      probability: r.probability,
      lifetimeValue: r.lifetime_value,
      currency: r.currency,
    }));
  }
}
