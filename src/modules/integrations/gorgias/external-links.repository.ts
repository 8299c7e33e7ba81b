import type { DataSource, EntityManager } from 'typeorm';
import type { LinkEntityType, LinkOrigin } from './external-link.entity';

export interface ExternalLink {
  entityType: LinkEntityType;
  entityId: string;
  externalId: string;
  origin: LinkOrigin;
  externalStatus: string | null;
  externalUpdatedAt: Date | null;
}

export interface NewLink {
  entityType: LinkEntityType;
  entityId: string;
  externalId: string;
  origin: LinkOrigin;
  externalStatus?: string | null;
  externalUpdatedAt?: Date | null;
}

interface LinkRow {
  entity_type: LinkEntityType;
  entity_id: string;
  external_id: string;
  origin: LinkOrigin;
  external_status: string | null;
  external_updated_at: Date | null;
}

const COLUMNS = 'entity_type, entity_id, external_id, origin, external_status, external_updated_at';

const toLink = (r: LinkRow): ExternalLink => ({
  entityType: r.entity_type,
  entityId: r.entity_id,
  externalId: r.external_id,
  origin: r.origin,
  externalStatus: r.external_status,
  externalUpdatedAt: r.external_updated_at,
});

/** Our ids ↔ one provider's ids (`external_links`), for every entity type. */
export class ExternalLinksRepository {
  constructor(
    private readonly db: DataSource,
    private readonly provider: string,
  ) {}

  async byEntity(type: LinkEntityType, entityId: string, tx?: EntityManager): Promise<ExternalLink | null> {
    const rows: LinkRow[] = await (tx ?? this.db).query(
      `SELECT ${COLUMNS} FROM external_links WHERE provider = $1 AND entity_type = $2 AND entity_id = $3`,
      [this.provider, type, entityId],
    );
    return rows[0] ? toLink(rows[0]) : null;
  }

  async byExternal(
    type: LinkEntityType,
    externalId: string,
    tx?: EntityManager,
  ): Promise<ExternalLink | null> {
    const rows: LinkRow[] = await (tx ?? this.db).query(
      `SELECT ${COLUMNS} FROM external_links WHERE provider = $1 AND entity_type = $2 AND external_id = $3`,
      [this.provider, type, externalId],
    );
    return rows[0] ? toLink(rows[0]) : null;
  }

  /** The links of many provider ids at once (one query per page of an import). */
  async byExternalIds(type: LinkEntityType, externalIds: string[]): Promise<Map<string, ExternalLink>> {
    if (externalIds.length === 0) return new Map();
    const rows: LinkRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM external_links WHERE provider = $1 AND entity_type = $2 AND external_id = ANY($3::text[])`,
      [this.provider, type, externalIds],
    );
    return new Map(rows.map((r) => [r.external_id, toLink(r)]));
  }

  /**
   * Records a link. Inside an entity's own transaction a conflict (the object is already linked)
   * throws, rolling the duplicate row back; `ifAbsent` turns the conflict into `false`.
   */
  async insert(link: NewLink, opts: { tx?: EntityManager; ifAbsent?: boolean } = {}): Promise<boolean> {
    const rows: Array<{ entity_id: string }> = await (opts.tx ?? this.db).query(
      `INSERT INTO external_links (provider, entity_type, entity_id, external_id, origin, external_status, external_updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ${opts.ifAbsent ? 'ON CONFLICT DO NOTHING' : ''}
       RETURNING entity_id`,
      [
        this.provider,
        link.entityType,
        link.entityId,
        link.externalId,
        link.origin,
        link.externalStatus ?? null,
        link.externalUpdatedAt ?? null,
      ],
    );
    return rows.length > 0;
  }

  /** What we last saw of (or set on) the provider-side object. */
  async updateState(
    type: LinkEntityType,
    entityId: string,
    state: { externalStatus?: string; externalUpdatedAt?: Date },
  ): Promise<void> {
    await this.db.query(
      `UPDATE external_links
          SET external_status = coalesce($4, external_status),
              external_updated_at = greatest(external_updated_at, $5::timestamptz),
              updated_at = now()
        WHERE provider = $1 AND entity_type = $2 AND entity_id = $3`,
      [this.provider, type, entityId, state.externalStatus ?? null, state.externalUpdatedAt ?? null],
    );
  }
}
