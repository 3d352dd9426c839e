package io.eventrouter.core.identity;

/**
 * The kinds of link an {@link IdentityStore} keeps. Ids of different kinds never collide, so a
 * device id and a user id that happen to be equal name different links.
 */
public enum LinkKind {

    /** From a device id to the user it was last seen with. */
    DEVICE_USER('d'),

    /** From a user id to the device and session of the user's most recent client event. */
    USER_ACTIVITY('u'),

    /** From the router's first-party device id, kept in a cookie, to the device id it stands for. */
    FIRST_PARTY_DEVICE('f'),

    /** From an SDK device id that replaced an expired one to the device id it continues. */
    DEVICE_ALIAS('a');

    private final char code;

    LinkKind(char code) {
        this.code = code;
    }

    /** Returns the one-letter code that stores put in keys and files; stable across releases. */
    public char code() {
        return this.code;
    }

}
