import type { MigrationInterface, QueryRunner } from 'typeorm';

const priorityRankExpression = `CASE priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'normal' THEN 2 ELSE 1 END`;

/**
 * Agents, sessions, customers, tickets and messages. Timestamps that serve keyset pagination are
 * timestamptz(3) so they round-trip through a JavaScript Date exactly.
 */
export class CoreSchema1763800000000 implements MigrationInterface {
  name = 'CoreSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    // typeorm records generated columns here; `migration:generate` reads it.
    await q.query(`
      CREATE TABLE IF NOT EXISTS typeorm_metadata (
        type varchar NOT NULL, database varchar, schema varchar, "table" varchar, name varchar, value text
      )`);
    await q.query(
      `INSERT INTO typeorm_metadata (type, schema, "table", name, value) VALUES ('GENERATED_COLUMN', 'public', 'tickets', 'priority_rank', $1)`,
      [priorityRankExpression],
    );

    await q.query(`
      CREATE TABLE agents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL CHECK (email = lower(email)),
        name text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin','lead','agent','viewer')),
        department text,
        status text NOT NULL DEFAULT 'offline' CHECK (status IN ('online','busy','away','offline')),
        max_concurrent_tickets int NOT NULL DEFAULT 5 CHECK (max_concurrent_tickets >= 0),
        accepts_new boolean NOT NULL DEFAULT true,
        specializations text[] NOT NULL DEFAULT '{}',
        languages text[] NOT NULL DEFAULT '{}',
        seniority text NOT NULL DEFAULT 'junior' CHECK (seniority IN ('junior','senior')),
        active boolean NOT NULL DEFAULT true,
        last_assigned_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT agents_email_key UNIQUE (email)
      )`);
    await q.query(`CREATE INDEX agents_created_idx ON agents (created_at, id)`);

    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY,
        family_id uuid NOT NULL,
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        token_hash text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
    await q.query(
      `CREATE INDEX refresh_tokens_agent_idx ON refresh_tokens (agent_id) WHERE revoked_at IS NULL`,
    );
    await q.query(`CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at)`);

    await q.query(`
      CREATE TABLE customers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text CHECK (email = lower(email)),
        name text,
        phone text,
        shopify_customer_id text,
        language text,
        timezone text,
        communication_channel text,
        tier text NOT NULL DEFAULT 'standard' CHECK (tier IN ('standard','vip')),
        last_contact_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT customers_email_key UNIQUE (email),
        CONSTRAINT customers_shopify_customer_id_key UNIQUE (shopify_customer_id)
      )`);
    await q.query(`CREATE INDEX customers_created_idx ON customers (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX customers_email_trgm_idx ON customers USING gin (email gin_trgm_ops)`);
    await q.query(`CREATE INDEX customers_name_trgm_idx ON customers USING gin (name gin_trgm_ops)`);

    await q.query(`CREATE SEQUENCE ticket_number_seq`);
    await q.query(`
      CREATE TABLE tickets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        number bigint NOT NULL DEFAULT nextval('ticket_number_seq'),
        subject text NOT NULL,
        status text NOT NULL DEFAULT 'new' CHECK (status IN ('new','open','pending','on_hold','solved','closed')),
        priority text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low','normal','high','urgent')),
        priority_rank smallint GENERATED ALWAYS AS (${priorityRankExpression}) STORED,
        channel text NOT NULL DEFAULT 'web'
          CHECK (channel IN ('email','chat','phone','web','shopify','gorgias','slack')),
        customer_id uuid NOT NULL REFERENCES customers(id),
        assignee_id uuid REFERENCES agents(id),
        tags text[] NOT NULL DEFAULT '{}',
        category text,
        metadata jsonb NOT NULL DEFAULT '{}',
        search_vector tsvector NOT NULL DEFAULT ''::tsvector,
        first_responded_at timestamptz(3),
        resolved_at timestamptz(3),
        closed_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        deleted_at timestamptz(3),
        CONSTRAINT tickets_number_key UNIQUE (number)
      )`);
    await q.query(`ALTER SEQUENCE ticket_number_seq OWNED BY tickets.number`);
    const live = 'WHERE deleted_at IS NULL';
    await q.query(
      `CREATE INDEX tickets_smart_idx ON tickets (status, priority_rank DESC, created_at, id) ${live}`,
    );
    await q.query(`CREATE INDEX tickets_created_idx ON tickets (created_at DESC, id DESC) ${live}`);
    await q.query(`CREATE INDEX tickets_updated_idx ON tickets (updated_at DESC, id DESC) ${live}`);
    await q.query(`CREATE INDEX tickets_assignee_idx ON tickets (assignee_id, status) ${live}`);
    await q.query(`CREATE INDEX tickets_customer_idx ON tickets (customer_id, created_at DESC) ${live}`);
    await q.query(`CREATE INDEX tickets_tags_idx ON tickets USING gin (tags) ${live}`);
    await q.query(`CREATE INDEX tickets_search_idx ON tickets USING gin (search_vector) ${live}`);

    await q.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        author_type text NOT NULL CHECK (author_type IN ('agent','customer')),
        agent_id uuid REFERENCES agents(id),
        customer_id uuid REFERENCES customers(id),
        body text NOT NULL,
        body_html text,
        internal boolean NOT NULL DEFAULT false,
        attachments jsonb NOT NULL DEFAULT '[]',
        delivery_status text NOT NULL DEFAULT 'sent' CHECK (delivery_status IN ('pending','sent','delivered','failed')),
        read_at timestamptz(3),
        read_by uuid REFERENCES agents(id),
        edited_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        deleted_at timestamptz(3),
        CONSTRAINT messages_customer_note_check CHECK (NOT (internal AND author_type = 'customer'))
      )`);
    await q.query(`CREATE INDEX messages_ticket_idx ON messages (ticket_id, created_at, id)`);

    await q.query(`
      CREATE TABLE ticket_status_changes (
        id bigserial PRIMARY KEY,
        ticket_id uuid NOT NULL REFERENCES tickets(id),
        from_status text,
        to_status text NOT NULL,
        actor_id uuid REFERENCES agents(id),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX ticket_status_changes_ticket_idx ON ticket_status_changes (ticket_id, created_at)`,
    );

    // Full-text document of a ticket: subject (weight A) and its public, live messages (B).
    // Kept current by triggers so every write path, including imports, maintains it.
    await q.query(`
      CREATE FUNCTION ticket_search_document(p_subject text, p_ticket uuid) RETURNS tsvector
      LANGUAGE sql STABLE AS $$
        SELECT setweight(to_tsvector('english', coalesce(p_subject, '')), 'A') ||
               setweight(to_tsvector('english', coalesce((
                 SELECT string_agg(m.body, ' ' ORDER BY m.created_at)
                   FROM messages m
                  WHERE m.ticket_id = p_ticket AND m.deleted_at IS NULL AND NOT m.internal), '')), 'B')
      $$`);
    await q.query(`
      CREATE FUNCTION tickets_search_on_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          NEW.search_vector := setweight(to_tsvector('english', NEW.subject), 'A');
        ELSIF NEW.subject IS DISTINCT FROM OLD.subject THEN
          NEW.search_vector := ticket_search_document(NEW.subject, NEW.id);
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER tickets_search_on_write BEFORE INSERT OR UPDATE OF subject ON tickets
      FOR EACH ROW EXECUTE FUNCTION tickets_search_on_write()`);
    await q.query(`
      CREATE FUNCTION messages_search_on_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          IF NOT NEW.internal AND NEW.deleted_at IS NULL THEN
            UPDATE tickets SET search_vector = search_vector || setweight(to_tsvector('english', NEW.body), 'B')
             WHERE id = NEW.ticket_id;
          END IF;
        ELSIF NEW.body IS DISTINCT FROM OLD.body OR NEW.internal IS DISTINCT FROM OLD.internal
              OR NEW.deleted_at IS DISTINCT FROM OLD.deleted_at THEN
          UPDATE tickets SET search_vector = ticket_search_document(subject, id) WHERE id = NEW.ticket_id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER messages_search_on_write AFTER INSERT OR UPDATE ON messages
      FOR EACH ROW EXECUTE FUNCTION messages_search_on_write()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE IF EXISTS ticket_status_changes, messages, tickets, customers, refresh_tokens, agents CASCADE`,
    );
    await q.query(
      `DROP FUNCTION IF EXISTS messages_search_on_write, tickets_search_on_write, ticket_search_document`,
    );
    await q.query(`DROP SEQUENCE IF EXISTS ticket_number_seq`);
    await q.query(`DROP TABLE IF EXISTS typeorm_metadata`);
  }
}
