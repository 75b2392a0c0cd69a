/**
 * What the platform's services (platform-core) and the training engine (platform-trainer/engine) share without
 * depending on each other: plain records and enums, no Spring, no persistence, no DJL.
 */
package io.tuneforge.shared;
