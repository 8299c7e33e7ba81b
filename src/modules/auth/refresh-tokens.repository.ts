import type { DataSource, EntityManager } from 'typeorm';
import { RefreshTokenEntity } from './refresh-token.entity';

export class RefreshTokensRepository {
  constructor(private readonly db: DataSource) {}

  async insert(
    row: Omit<RefreshTokenEntity, 'createdAt' | 'usedAt' | 'revokedAt'>,
    tx?: EntityManager,
  ): Promise<void> {
    await (tx ?? this.db.manager).insert(RefreshTokenEntity, row);
  }

  /** Locks the row so two concurrent uses of one token cannot both rotate it. */
  findForUpdate(tx: EntityManager, id: string): Promise<RefreshTokenEntity | null> {
    return tx
      .getRepository(RefreshTokenEntity)
      .createQueryBuilder('t')
      .setLock('pessimistic_write')
      .where('t.id = :id', { id })
      .getOne();
  }

  async markUsed(tx: EntityManager, id: string): Promise<void> {
    await tx.update(RefreshTokenEntity, { id }, { usedAt: new Date() });
  }

  async revokeFamily(familyId: string, tx?: EntityManager): Promise<void> {
    await (tx ?? this.db.manager)
      .createQueryBuilder()
      .update(RefreshTokenEntity)
      .set({ revokedAt: () => 'now()' })
      .where('family_id = :familyId AND revoked_at IS NULL', { familyId })
      .execute();
  }

  async revokeAllForAgent(agentId: string): Promise<void> {
    await this.db
      .createQueryBuilder()
      .update(RefreshTokenEntity)
      .set({ revokedAt: () => 'now()' })
      .where('agent_id = :agentId AND revoked_at IS NULL', { agentId })
      .execute();
  }

  async deleteExpired(olderThan: Date): Promise<number> {
    const res = await this.db
      .createQueryBuilder()
      .delete()
      .from(RefreshTokenEntity)
      .where('expires_at < :olderThan', { olderThan })
      .execute();
    return res.affected ?? 0;
  }
}
