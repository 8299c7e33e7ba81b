import type { DataSource, Repository } from 'typeorm';
import { decodeCursor, pageOf } from '../../platform/http/cursor';
import type { Page } from '../../platform/http/common.schemas';
import { AgentEntity } from './agent.entity';
import type { AgentStatus } from './agent.types';
import type { ListAgentsInput } from './agents.schemas';
import { queryRows } from '../../platform/db/query-rows';

export type NewAgent = Omit<AgentEntity, 'id' | 'createdAt' | 'updatedAt' | 'lastAssignedAt'>;

export class AgentsRepository {
  private readonly repo: Repository<AgentEntity>;
  constructor(private readonly db: DataSource) {
    this.repo = db.getRepository(AgentEntity);
  }

  findById(id: string): Promise<AgentEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByIds(ids: string[]): Promise<AgentEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.repo.createQueryBuilder('a').where('a.id = ANY(:ids)', { ids }).getMany();
  }

  /** The only read that includes the password hash. */
  findCredentialsByEmail(email: string): Promise<AgentEntity | null> {
    return this.repo
      .createQueryBuilder('a')
      .addSelect('a.passwordHash')
      .where('a.email = :email', { email: email.toLowerCase() })
      .getOne();
  }

  async insert(agent: NewAgent): Promise<AgentEntity> {
    const saved = await this.repo.save(this.repo.create(agent));
    return (await this.findById(saved.id)) as AgentEntity;
  }

  async update(id: string, changes: Partial<NewAgent>): Promise<AgentEntity | null> {
    if (Object.keys(changes).length > 0) await this.repo.update({ id }, changes);
    return this.findById(id);
  }

  async setStatus(id: string, status: AgentStatus): Promise<{ previous: AgentStatus } | null> {
    const rows = queryRows<{ previous: AgentStatus }>(
      await this.db.query(
        `UPDATE agents a SET status = $2, updated_at = now()
         FROM (SELECT id, status AS previous FROM agents WHERE id = $1 FOR UPDATE) old
        WHERE a.id = old.id
        RETURNING old.previous`,
        [id, status],
      ),
    );
    return rows[0] ?? null;
  }

  countActiveAdmins(): Promise<number> {
    return this.repo.countBy({ role: 'admin', active: true });
  }

  async list(q: ListAgentsInput): Promise<Page<AgentEntity>> {
    const qb = this.repo
      .createQueryBuilder('a')
      .orderBy('a.createdAt', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .limit(q.limit + 1);
    if (q.role) qb.andWhere('a.role = :role', { role: q.role });
    if (q.status) qb.andWhere('a.status = :status', { status: q.status });
    if (q.active !== undefined) qb.andWhere('a.active = :active', { active: q.active });
    if (q.cursor) {
      const [createdAt, id] = decodeCursor(q.cursor, 'agents', ['timestamp', 'uuid']);
      qb.andWhere('(a.createdAt, a.id) > (:createdAt, :id)', { createdAt, id });
    }
    return pageOf(await qb.getMany(), q.limit, 'agents', (r) => [r.createdAt.toISOString(), r.id]);
  }
}
