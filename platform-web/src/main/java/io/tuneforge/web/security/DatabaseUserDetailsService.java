package io.tuneforge.web.security;

import io.tuneforge.core.user.AppUser;
import io.tuneforge.core.user.UserAccountService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.stereotype.Service;

/** Users log in with the accounts stored in PostgreSQL; the role becomes {@code ROLE_ADMIN} etc. */
@Service
class DatabaseUserDetailsService implements UserDetailsService {

    private final UserAccountService accounts;

    DatabaseUserDetailsService(UserAccountService accounts) {
        this.accounts = accounts;
    }

    @Override
    public UserDetails loadUserByUsername(String username) {
        AppUser user = accounts.findByUsername(username)
                .orElseThrow(() -> new UsernameNotFoundException("No user " + username));
        return User.withUsername(user.getUsername())
                .password(user.getPasswordHash())
                .roles(user.getRole().name())
                .disabled(!user.isEnabled())
                .build();
    }
}
