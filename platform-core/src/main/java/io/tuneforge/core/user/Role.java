package io.tuneforge.core.user;

/** What a user may do: admins manage everything; members work within their team; viewers only look. */
public enum Role {
    ADMIN,
    MEMBER,
    VIEWER
}
