import bcrypt from 'bcrypt';

export class PasswordHasher {
  // A real hash of a random string, compared against when the email is unknown so both
  // failure paths cost the same bcrypt work.
  private readonly dummy: Promise<string>;
  constructor(private readonly rounds: number) {
    this.dummy = bcrypt.hash(`dummy-${Math.random()}`, rounds);
  }
  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.rounds);
  }
  async verify(password: string, hash: string | undefined): Promise<boolean> {
    return bcrypt.compare(password, hash ?? (await this.dummy));
  }
}
