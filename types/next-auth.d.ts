import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface User {
    /** the console session id (lib/auth/sign-in.ts); lives only in the encrypted cookie */
    sid?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    sid?: string;
  }
}
