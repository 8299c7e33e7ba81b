import { sql } from '../../platform/db/sql';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import type { Page } from '../../platform/http/common.schemas';
import { decodeCursor, pageOf } from '../../platform/http/cursor';
import { CustomerEntity } from './customer.entity';
import type { ListCustomersInput } from './customers.schemas';

export type CustomerFields = Partial<Omit<CustomerEntity, 'id' | 'createdAt' | 'updatedAt'>>;

export class CustomersRepository {
  private readonly repo: Repository<CustomerEntity>;
  constructor(private readonly db: DataSource) {
    this.repo = db.getRepository(CustomerEntity);
  }

  findById(id: string, tx?: EntityManager): Promise<CustomerEntity | null> {
    return (tx ?? this.db.manager).findOneBy(CustomerEntity, { id });
  }

  findByIds(ids: string[]): Promise<CustomerEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.repo.createQueryBuilder('c').where('c.id = ANY(:ids)', { ids }).getMany();
  }

  findByEmail(email: string, tx?: EntityManager): Promise<CustomerEntity | null> {
    return (tx ?? this.db.manager).findOneBy(CustomerEntity, { email: email.toLowerCase() });
  }

  async insert(fields: CustomerFields & { email: string }, tx?: EntityManager): Promise<CustomerEntity> {
    const m = tx ?? this.db.manager;
    const saved = await m.save(CustomerEntity, m.create(CustomerEntity, { tier: 'standard', ...fields }));
    return (await this.findById(saved.id, tx)) as CustomerEntity;
  }

  /**
   * Finds the customer with this email or creates one, race-free: concurrent callers with the
   * same new email end up with the same row.
   */
  async findOrCreateByEmail(tx: EntityManager, email: string, name: string | null): Promise<CustomerEntity> {
    const rows = await sql<{ id: string }>(
      tx,
      `INSERT INTO customers (email, name, tier) VALUES ($1, $2, 'standard')
       ON CONFLICT (email) DO NOTHING RETURNING id`,
      [email.toLowerCase(), name],
    );
    const found = rows[0] ? await this.findById(rows[0].id, tx) : await this.findByEmail(email, tx);
    if (!found) throw new Error('customer vanished between insert and select');
    return found;
  }

  async update(id: string, changes: CustomerFields): Promise<CustomerEntity | null> {
    if (Object.keys(changes).length > 0) await this.repo.update({ id }, changes);
    return this.findById(id);
  }

  async touchLastContact(tx: EntityManager, id: string, at: Date): Promise<void> {
    await tx.query(
      `UPDATE customers SET last_contact_at = $2 WHERE id = $1 AND (last_contact_at IS NULL OR last_contact_at < $2)`,
      [id, at],
    );
  }

  async list(q: ListCustomersInput): Promise<Page<CustomerEntity>> {
    const qb = this.repo
      .createQueryBuilder('c')
      .orderBy('c.createdAt', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(q.limit + 1);
    if (q.q) {
      const like = `%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
      qb.andWhere('(c.email ILIKE :like OR c.name ILIKE :like)', { like });
    }
    if (q.tier) qb.andWhere('c.tier = :tier', { tier: q.tier });
    if (q.cursor) {
      const [createdAt, id] = decodeCursor(q.cursor, 'customers', ['timestamp', 'uuid']);
      qb.andWhere('(c.createdAt, c.id) < (:createdAt, :id)', { createdAt, id });
    }
    return pageOf(await qb.getMany(), q.limit, 'customers', (r) => [r.createdAt.toISOString(), r.id]);
  }
}
