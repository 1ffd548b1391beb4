import RefoldCore
