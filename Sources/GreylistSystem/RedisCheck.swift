import Greylist

/// The credentials in the Redis password file at `path`, read as the wrapper reads them (for a tool's check of a
/// setup); nil without one. The error says what is wrong with the file.
public func redisCredentialsForCheck(passwordFile path: String?) throws(RedisStoreError) -> RedisCredentials? {
    try redisCredentials(passwordFile: path)
}
